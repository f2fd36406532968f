/**
 * The satisfaction report (GET /v1/reports/satisfaction): per channel and survey kind, the count,
 * mean, distribution and headline figure (CSAT %, NPS, CES mean) of the ratings given in a date
 * range. Counters are per-day aggregates written with each rating (a replaced rating is taken
 * back), so the report reflects each ticket's latest rating.
 */
import { surveyStatsPartition } from '../follow-ups/ratings.ts';
import { SURVEY_KINDS, summarize, type SurveyKind, type SurveySummary } from '../follow-ups/surveys.ts';
import type { CoreDeps } from '../ports.ts';
import { CHANNELS, type Channel } from '../types.ts';

export interface SatisfactionGroup extends SurveySummary {
  readonly channel: Channel;
  readonly kind: SurveyKind;
}

const COUNTER = /^(csat|ces|nps)#(\d{1,2})$/;

export async function satisfactionReport(
  deps: CoreDeps,
  q: { from: string; to: string },
  channels: readonly Channel[] = CHANNELS,
): Promise<{ from: string; to: string; groups: SatisfactionGroup[] }> {
  const visible = CHANNELS.filter((c) => channels.includes(c));
  const groups = await Promise.all(
    visible.map(async (channel) => {
      const counts = new Map<string, number>();
      for (const item of await deps.store.queryStats(surveyStatsPartition(channel), q.from, q.to)) {
        for (const [k, v] of Object.entries(item)) if (typeof v === 'number' && COUNTER.test(k)) counts.set(k, (counts.get(k) ?? 0) + v);
      }
      return SURVEY_KINDS.flatMap((kind) => {
        const scores: number[] = [];
        for (const [k, n] of counts) {
          const m = COUNTER.exec(k)!;
          if (m[1] === kind) for (let i = 0; i < n; i++) scores.push(Number(m[2]));
        }
        return scores.length ? [{ channel, kind, ...summarize(kind, scores) }] : [];
      });
    }),
  );
  return { from: q.from, to: q.to, groups: groups.flat() };
}
