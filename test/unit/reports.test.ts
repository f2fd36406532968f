import { DDSketch } from '@datadog/sketches-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, groupReport, increments, mapping, RELATIVE_ACCURACY, statsPartitions, sumCounters, type ReportSample } from '../../functions/core/reports.ts';

const at = '2026-03-02T10:00:00.000Z';
const samples = (values: readonly number[]): ReportSample[] => values.map((v) => ({ kind: 'measure', measure: 'firstReply', calendar: v, business: null, at }));

describe('the bucket mapping is DDSketch’s', () => {
  const reference = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }).mapping;
  it('gives the same key and bucket value as @datadog/sketches-js for any positive value', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), (v) => {
        expect(mapping.key(v)).toBe(reference.key(v));
        expect(mapping.value(mapping.key(v))).toBeCloseTo(reference.value(reference.key(v)), 6);
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it('zero and values too small to tell from it share the zero bucket', () => {
    expect(bucketOf(0)).toBe('z');
    expect(bucketOf(-3)).toBe('z');
    expect(bucketOf(0.5)).toMatch(/^m\d+$/);
    expect(bucketOf(3600)).toBe(String(mapping.key(3600)));
  });
});

describe('report summaries', () => {
  it('percentiles match DDSketch’s and stay within the relative error of the exact value; counts and means are exact', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500_000 }), { minLength: 1, maxLength: 400 }), (values) => {
        const counters = sumCounters([increments(samples(values))]);
        const r = groupReport(counters, { channel: 'sms' }).firstReply;
        expect(r.count).toBe(values.length);
        expect(r.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 2);
        const sketch = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
        for (const v of values) sketch.accept(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const [p, got] of [[0.5, r.p50], [0.9, r.p90], [0.95, r.p95]] as const) {
          expect(got).toBeCloseTo(sketch.getValueAtQuantile(p), 2);
          const exact = sorted[Math.floor(p * (sorted.length - 1))]!;
          expect(Math.abs(got! - exact)).toBeLessThanOrEqual(exact * RELATIVE_ACCURACY + 1e-6);
        }
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('days summed from several items give the same report as one item of all samples', () => {
    const a = increments(samples([10, 20, 30]));
    const b = increments([...samples([40]), { kind: 'sla', target: 'firstReply', met: false, at }, { kind: 'sla', target: 'firstReply', met: true, at }]);
    const r = groupReport(sumCounters([a, b, { PK: 'x', SK: 'y' }]), { channel: 'email', priority: 'high' });
    expect(r).toMatchObject({ channel: 'email', priority: 'high', firstReply: { count: 4, mean: 25 }, sla: { firstReply: { met: 1, breached: 1, rate: 0.5 }, resolution: { met: 0, breached: 0, rate: null } } });
    expect(r.firstReply.business).toEqual({ count: 0, mean: null, p50: null, p90: null, p95: null });
  });

  it('a sample lands in one partition per grouping', () => {
    expect(statsPartitions('sms', 'urgent')).toEqual(['STATS#channel#sms', 'STATS#priority#urgent', 'STATS#cp#sms#urgent']);
  });
});
