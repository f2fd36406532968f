/**
 * Response-time reports: per-day aggregate counters updated with each sample (in the same
 * transaction as the change that produced it, so counts are exact), and their summaries.
 * Percentiles use DDSketch's logarithmic bucket mapping: a sample adds 1 to its bucket's counter;
 * a report sums the buckets of the days asked for and reads quantiles back with relative error
 * ≤ RELATIVE_ACCURACY. The mapping and the rank walk are DDSketch's, written out here (a dozen
 * lines; the published package cannot be bundled without protobufjs) and checked against
 * @datadog/sketches-js in test/unit/reports.test.ts. Pure: no I/O.
 */
import type { Channel, Priority } from './types.ts';

/** Percentile relative error bound (the issue asks ≤ 2%). */
export const RELATIVE_ACCURACY = 0.01;

/** DDSketch's LogarithmicMapping (offset 0): key(v) = ⌈log_γ v⌉, value(k) = γ^k · 2/(1+γ), γ = (1+α)/(1−α). */
export const mapping = (() => {
  const gammaMantissa = (2 * RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
  const gamma = 1 + gammaMantissa;
  const multiplier = Math.log(2) / Math.log1p(gammaMantissa); // log2-based, exactly as the library computes it
  return {
    minPossible: 2 ** -1023 * gamma,
    key: (v: number): number => Math.ceil(Math.log2(v) * multiplier),
    value: (k: number): number => 2 ** (k / multiplier) * (2 / (1 + gamma)),
  };
})();

export const REPORT_MEASURES = ['firstReply', 'nextReply', 'firstResolution', 'fullResolution'] as const;
export type ReportMeasure = (typeof REPORT_MEASURES)[number];
export const REPORT_TARGETS = ['firstReply', 'nextReply', 'resolution'] as const;
export type ReportTarget = (typeof REPORT_TARGETS)[number];
export type GroupBy = 'channel' | 'priority' | 'channel,priority';

/** One sample to count: a measure (calendar and business seconds), or an SLA verdict. */
export type ReportSample =
  | { readonly kind: 'measure'; readonly measure: ReportMeasure; readonly calendar: number; readonly business: number | null; readonly at: string }
  | { readonly kind: 'sla'; readonly target: ReportTarget; readonly met: boolean; readonly at: string };

/** Bucket of a non-negative value: `z` for zero (and values too small to tell from it), else the mapping's index. */
export const bucketOf = (seconds: number): string => {
  if (!(seconds > mapping.minPossible)) return 'z';
  const k = mapping.key(seconds);
  return k < 0 ? `m${-k}` : String(k);
};

const valueOf = (bucket: string): number => (bucket === 'z' ? 0 : mapping.value(bucket.startsWith('m') ? -Number(bucket.slice(1)) : Number(bucket)));

/** The aggregate partitions a sample lands in, one per way a report can group. */
export const statsPartitions = (channel: Channel, priority: Priority): string[] => [
  `STATS#channel#${channel}`,
  `STATS#priority#${priority}`,
  `STATS#cp#${channel}#${priority}`,
];

export const statsPartition = (groupBy: GroupBy, group: { channel?: Channel; priority?: Priority }): string =>
  groupBy === 'channel' ? `STATS#channel#${group.channel}` : groupBy === 'priority' ? `STATS#priority#${group.priority}` : `STATS#cp#${group.channel}#${group.priority}`;

/** The UTC day of an ISO time. */
export const dayOf = (iso: string): string => iso.slice(0, 10);

/**
 * Counter increments (attribute name → amount) for samples of one day. Attribute names are flat
 * (DynamoDB ADD cannot create nested maps): `<measure>_<c|b>_n`, `_sum`, `_b_<bucket>`; `sla_<target>_met|breached`.
 */
export function increments(samples: readonly ReportSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (k: string, v: number) => (out[k] = (out[k] ?? 0) + v);
  for (const s of samples) {
    if (s.kind === 'sla') {
      add(`sla_${s.target}_${s.met ? 'met' : 'breached'}`, 1);
      continue;
    }
    for (const [kind, value] of [['c', s.calendar], ['b', s.business]] as const) {
      if (value === null || !Number.isFinite(value)) continue;
      const v = Math.max(0, value);
      add(`${s.measure}_${kind}_n`, 1);
      add(`${s.measure}_${kind}_sum`, Math.round(v * 1000) / 1000);
      add(`${s.measure}_${kind}_b_${bucketOf(v)}`, 1);
    }
  }
  return out;
}

export interface Summary {
  readonly count: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p95: number | null;
}

export interface MeasureReport extends Summary {
  readonly business: Summary;
}

export interface GroupReport {
  readonly channel?: Channel;
  readonly priority?: Priority;
  readonly firstReply: MeasureReport;
  readonly nextReply: MeasureReport;
  readonly firstResolution: MeasureReport;
  readonly fullResolution: MeasureReport;
  readonly sla: Record<ReportTarget, { readonly met: number; readonly breached: number; readonly rate: number | null }>;
}

/** Sum the counters of several day items. */
export function sumCounters(items: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    for (const [k, v] of Object.entries(item)) if (typeof v === 'number' && /^(sla_|[a-zA-Z]+_[cb]_)/.test(k)) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

function summary(counters: Readonly<Record<string, number>>, prefix: string): Summary {
  const count = counters[`${prefix}_n`] ?? 0;
  if (!count) return { count: 0, mean: null, p50: null, p90: null, p95: null };
  const marker = `${prefix}_b_`;
  const buckets = Object.entries(counters)
    .filter(([k, n]) => k.startsWith(marker) && n > 0)
    .map(([k, n]) => ({ value: valueOf(k.slice(marker.length)), n }))
    .sort((a, b) => a.value - b.value);
  const total = buckets.reduce((s, b) => s + b.n, 0);
  // DDSketch's rank walk: the bucket holding rank q·(n−1).
  const q = (p: number): number => {
    const rank = p * (total - 1);
    let seen = 0;
    for (const b of buckets) {
      seen += b.n;
      if (seen > rank) return round(b.value);
    }
    return round(buckets.at(-1)!.value);
  };
  return { count, mean: round((counters[`${prefix}_sum`] ?? 0) / count), p50: q(0.5), p90: q(0.9), p95: q(0.95) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** A group's report from its summed counters. */
export function groupReport(counters: Readonly<Record<string, number>>, group: { channel?: Channel; priority?: Priority }): GroupReport {
  const measure = (m: ReportMeasure): MeasureReport => ({ ...summary(counters, `${m}_c`), business: summary(counters, `${m}_b`) });
  const sla = Object.fromEntries(
    REPORT_TARGETS.map((t) => {
      const met = counters[`sla_${t}_met`] ?? 0;
      const breached = counters[`sla_${t}_breached`] ?? 0;
      return [t, { met, breached, rate: met + breached ? round(met / (met + breached)) : null }];
    }),
  ) as GroupReport['sla'];
  return { ...group, firstReply: measure('firstReply'), nextReply: measure('nextReply'), firstResolution: measure('firstResolution'), fullResolution: measure('fullResolution'), sla };
}
