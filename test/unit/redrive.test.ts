import { describe, expect, it } from 'vitest';
import { queueIdOf, queueName, QUEUE_NAMES, redrive, type DeadLetter, type DeadLetterQueues, type QueueId } from '../../functions/core/redrive.ts';
import { QUEUES } from '../../functions/spec.ts';

/** A DLQ and its source queue in memory; `refuse` makes the source refuse some bodies. */
class MemoryQueues implements DeadLetterQueues {
  dlq: DeadLetter[] = [];
  hidden = new Set<string>();
  source: string[] = [];
  refuse = new Set<string>();
  async count() {
    return { waiting: this.dlq.filter((m) => !this.hidden.has(m.id)).length, inFlight: this.hidden.size };
  }
  async receive(_q: QueueId, max: number, visibility: number) {
    const got = this.dlq.filter((m) => !this.hidden.has(m.id)).slice(0, max);
    if (visibility > 0) got.forEach((m) => this.hidden.add(m.id));
    return got;
  }
  async sendToSource(_q: QueueId, ms: readonly DeadLetter[]) {
    const failed = new Set<string>();
    for (const m of ms) (this.refuse.has(m.body) ? failed.add(m.id) : this.source.push(m.body));
    return failed;
  }
  async remove(_q: QueueId, ms: readonly DeadLetter[]) {
    const ids = new Set(ms.map((m) => m.id));
    this.dlq = this.dlq.filter((m) => !ids.has(m.id));
    ids.forEach((id) => this.hidden.delete(id));
  }
  async release(_q: QueueId, ms: readonly DeadLetter[]) {
    ms.forEach((m) => this.hidden.delete(m.id));
  }
}

const fill = (q: MemoryQueues, n: number) => {
  for (let i = 0; i < n; i++) q.dlq.push({ id: `m${i}`, receipt: `r${i}`, body: `body-${i}`, attributes: { kind: 'ack', reason: 'invalid_job' } });
};

describe('redrive', () => {
  it('names every queue of QUEUES in kebab case', () => {
    expect(QUEUE_NAMES).toEqual(Object.keys(QUEUES).map(queueName));
    expect(queueName('followUp')).toBe('follow-up');
    expect(queueIdOf('follow-up')).toBe('followUp');
    expect(queueIdOf('followUp')).toBeUndefined();
  });

  it('dry run counts and peeks, moves nothing', async () => {
    const q = new MemoryQueues();
    fill(q, 25);
    const r = await redrive(q, 'followUp', { dryRun: true, maxMessages: 1000 });
    expect(r).toMatchObject({ queue: 'follow-up', dryRun: true, waiting: 25, moved: 0 });
    expect(r.messages).toHaveLength(10);
    expect(q.dlq).toHaveLength(25);
    expect(q.source).toEqual([]);
  });

  it('moves every message once, in batches, and deletes only what was sent', async () => {
    const q = new MemoryQueues();
    fill(q, 25);
    const r = await redrive(q, 'ingest', { dryRun: false, maxMessages: 1000 });
    expect(r).toMatchObject({ moved: 25, failed: 0, waiting: 0, more: false });
    expect(q.source.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `body-${i}`).sort());
    expect(q.dlq).toEqual([]);
  });

  it('leaves refused messages in the DLQ, visible, and stops', async () => {
    const q = new MemoryQueues();
    fill(q, 5);
    q.refuse.add('body-2');
    const r = await redrive(q, 'followUp', { dryRun: false, maxMessages: 1000 });
    expect(r).toMatchObject({ moved: 4, failed: 1, more: true });
    expect(q.dlq.map((m) => m.body)).toEqual(['body-2']);
    expect(q.hidden.size).toBe(0);
  });

  it('stops at its bound and says there is more', async () => {
    const q = new MemoryQueues();
    fill(q, 25);
    const r = await redrive(q, 'followUp', { dryRun: false, maxMessages: 12 });
    expect(r).toMatchObject({ moved: 12, more: true, waiting: 13 });
    let t = 0;
    const timed = await redrive(q, 'followUp', { dryRun: false, maxMessages: 1000, deadline: 1, now: () => t++ });
    expect(timed).toMatchObject({ moved: 10, more: true });
  });
});
