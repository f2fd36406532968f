/** The response-time report: per-day aggregates summed over a date range, one query per group. */
import { groupReport, statsPartition, sumCounters, type GroupBy, type GroupReport } from '../reports.ts';
import type { CoreDeps } from '../ports.ts';
import { CHANNELS, PRIORITIES, type Channel, type Priority } from '../types.ts';

/** Longest range one report covers (days). */
export const MAX_REPORT_DAYS = 92;

export async function responseTimeReport(deps: CoreDeps, q: { from: string; to: string; groupBy: GroupBy }): Promise<{ from: string; to: string; groupBy: GroupBy; groups: GroupReport[] }> {
  const groups: Array<{ channel?: Channel; priority?: Priority }> =
    q.groupBy === 'channel'
      ? CHANNELS.map((channel) => ({ channel }))
      : q.groupBy === 'priority'
        ? PRIORITIES.map((priority) => ({ priority }))
        : CHANNELS.flatMap((channel) => PRIORITIES.map((priority) => ({ channel, priority })));
  const reports = await Promise.all(
    groups.map(async (g) => {
      const items = await deps.store.queryStats(statsPartition(q.groupBy, g), q.from, q.to);
      return items.length ? groupReport(sumCounters(items), g) : undefined;
    }),
  );
  return { from: q.from, to: q.to, groupBy: q.groupBy, groups: reports.filter((r): r is GroupReport => r !== undefined) };
}
