/** The response-time report: per-day aggregates summed over a date range, one query per group. */
import { groupReport, statsPartition, sumCounters, type GroupBy, type GroupReport } from '../reports.ts';
import type { CoreDeps } from '../ports.ts';
import { CHANNELS, PRIORITIES, type Channel, type Priority } from '../types.ts';

/** Longest range one report covers (days). */
export const MAX_REPORT_DAYS = 92;

/**
 * `channels` (a key restricted to some channels) limits the report to those channels. Grouped by
 * priority alone, each priority's figures are then summed from the channel-and-priority aggregates
 * of those channels (counters and sketch buckets add up exactly), so no other channel's tickets
 * are counted.
 */
export async function responseTimeReport(
  deps: CoreDeps,
  q: { from: string; to: string; groupBy: GroupBy },
  channels: readonly Channel[] = CHANNELS,
): Promise<{ from: string; to: string; groupBy: GroupBy; groups: GroupReport[] }> {
  const visible = CHANNELS.filter((c) => channels.includes(c));
  const restricted = visible.length < CHANNELS.length;
  const groups: Array<{ channel?: Channel; priority?: Priority }> =
    q.groupBy === 'channel'
      ? visible.map((channel) => ({ channel }))
      : q.groupBy === 'priority'
        ? PRIORITIES.map((priority) => ({ priority }))
        : visible.flatMap((channel) => PRIORITIES.map((priority) => ({ channel, priority })));
  const partitions = (g: { channel?: Channel; priority?: Priority }): string[] =>
    q.groupBy === 'priority' && restricted
      ? visible.map((channel) => statsPartition('channel,priority', { channel, priority: g.priority! }))
      : [statsPartition(q.groupBy, g)];
  const reports = await Promise.all(
    groups.map(async (g) => {
      const items = (await Promise.all(partitions(g).map((pk) => deps.store.queryStats(pk, q.from, q.to)))).flat();
      return items.length ? groupReport(sumCounters(items), g) : undefined;
    }),
  );
  return { from: q.from, to: q.to, groupBy: q.groupBy, groups: reports.filter((r): r is GroupReport => r !== undefined) };
}
