/**
 * EmfMetrics writes CloudWatch Embedded Metric Format through Powertools Metrics: one JSON document
 * per metric on stdout (Powertools logs through a `Console` on process.stdout, or the global console
 * when POWERTOOLS_DEV is set), each with exactly its own dimension sets and unit.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics } from '../../functions/adapters/metrics.ts';
import { count, seconds } from '../../functions/core/metrics.ts';

type Emf = {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [k: string]: unknown;
};

let lines: string[];
beforeEach(() => {
  lines = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split('\n')) if (line.trim().startsWith('{')) lines.push(line.trim());
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
    capture(chunk);
    return true;
  }) as typeof process.stdout.write);
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => capture(args.join(' ')));
  // Powertools' own warnings (e.g. about repeated dimensions) go to stderr and are not EMF documents.
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const sortedSets = (sets: string[][]) => sets.map((s) => [...s].sort().join(',')).sort();
const docs = (): Emf[] => lines.map((l) => JSON.parse(l) as Emf).filter((d) => d._aws !== undefined);

describe('EmfMetrics (EMF through Powertools)', () => {
  it('writes one EMF line for a seconds metric with both dimension sets, unit Seconds', () => {
    new EmfMetrics('SupportDeskTest').emit([seconds('FirstResponseTime', { Channel: 'sms' }, 42.25, [{ Channel: 'sms', Priority: 'high' }])]);
    const out = docs();
    expect(out).toHaveLength(1);
    const doc = out[0]!;
    expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
    const directive = doc._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('SupportDeskTest');
    expect(directive.Metrics).toEqual([{ Name: 'FirstResponseTime', Unit: 'Seconds' }]);
    // [service, Channel] and [service, Channel, Priority], whatever order Powertools writes the names in
    expect(sortedSets(directive.Dimensions)).toEqual(sortedSets([['service', 'Channel'], ['service', 'Channel', 'Priority']]));
    expect(doc['FirstResponseTime']).toBe(42.25);
    expect(doc['Channel']).toBe('sms');
    expect(doc['Priority']).toBe('high');
    expect(doc['service']).toBe('support-webhooks');
    // every dimension a set names has its value in the document
    for (const set of directive.Dimensions) for (const name of set) expect(typeof doc[name]).toBe('string');
    expect(typeof doc._aws.Timestamp).toBe('number');
  });

  it('writes one document per metric, each with only its own dimensions (no leakage between metrics)', () => {
    new EmfMetrics('SupportDeskTest').emit([
      seconds('FirstResponseTime', { Channel: 'email' }, 10, [{ Channel: 'email', Priority: 'urgent' }]),
      count('SlaBreached', { Channel: 'sms', Target: 'firstReply' }),
      count('SlaAttained', { Channel: 'sms', Target: 'firstReply' }, 0),
    ]);
    const out = docs();
    expect(out).toHaveLength(3);
    const [frt, breached, attained] = out;
    expect(frt!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: 'FirstResponseTime', Unit: 'Seconds' }]);
    expect(frt!['Channel']).toBe('email');
    expect(breached!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([{ Name: 'SlaBreached', Unit: 'Count' }]);
    expect(sortedSets(breached!._aws.CloudWatchMetrics[0]!.Dimensions)).toEqual(sortedSets([['service', 'Channel', 'Target']]));
    expect(breached).toMatchObject({ Channel: 'sms', Target: 'firstReply', SlaBreached: 1 });
    expect(breached!['Priority']).toBeUndefined();
    expect(attained).toMatchObject({ SlaAttained: 0, Target: 'firstReply' });
    expect(sortedSets(attained!._aws.CloudWatchMetrics[0]!.Dimensions)).toEqual(sortedSets([['service', 'Channel', 'Target']]));
  });
});
