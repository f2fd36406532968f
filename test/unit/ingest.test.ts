/**
 * core/services/ingest.ts: the first read is on the wire before the signals are computed (their CPU
 * overlaps the round trip), and a read that fails meanwhile is the ingest's error, not an
 * unhandled rejection.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { coreSettings } from '../helpers/fixtures.ts';
import { ConflictError } from '../../functions/core/errors.ts';
import type { CoreDeps, IngestContext } from '../../functions/core/ports.ts';
import { ingestMessage } from '../../functions/core/services/ingest.ts';
import type { InboundMessage } from '../../functions/core/types.ts';

const msg: InboundMessage = {
  provider: 'twilio',
  channel: 'sms',
  providerMessageId: 'SM1',
  threadKey: '+1999|+1555',
  from: '+15555550100',
  to: '+15550001111',
  identity: { kind: 'phone', value: '+15555550100' },
  text: 'My parcel has not arrived yet, can you help?',
  attachments: [],
  receivedAt: '2026-11-25T12:00:00.000Z',
};

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, no) => ((resolve = ok), (reject = no)));
  return { promise, resolve, reject };
}

function depsWith(read: () => Promise<IngestContext>, events: string[]): CoreDeps {
  return {
    store: { getIngestContext: () => (events.push('read issued'), read()) },
    rules: { active: async () => (events.push('rules asked'), []) },
    jobs: { enqueue: async () => undefined },
    metrics: { emit: () => undefined },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  } as unknown as CoreDeps;
}

const settings = coreSettings();

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
});

describe('ingestMessage', () => {
  it('issues the read first and triages while it is in flight', async () => {
    const events: string[] = [];
    const read = deferred<IngestContext>();
    const result = ingestMessage(depsWith(() => read.promise, events), msg);
    // The rules (and the signals just before them) are reached while the read is still pending.
    await vi.waitFor(() => expect(events).toEqual(['read issued', 'rules asked']));
    read.resolve({ duplicateOf: { ticketId: 'T1', messageId: 'M1', pendingJobs: [] } } as unknown as IngestContext);
    expect(await result).toEqual({ duplicate: true, ticketId: 'T1', messageId: 'M1', newTicket: false });
    expect(events).toEqual(['read issued', 'rules asked']); // one read, not one per step
  });

  it('throws a read that fails while the signals run, without an unhandled rejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    const events: string[] = [];
    const failure = new Error('store down');
    const result = ingestMessage(depsWith(() => Promise.reject(failure), events), msg);
    await expect(result).rejects.toBe(failure);
    // The triage still runs to its end (its outcome dropped), without an unhandled rejection.
    await vi.waitFor(() => expect(events).toEqual(['read issued', 'rules asked']));
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
  });

  it('re-reads after losing a race: the next attempt sees what won', async () => {
    const events: string[] = [];
    let reads = 0;
    let commits = 0;
    let n = 0;
    const deps = {
      ...depsWith(async () => {
        reads++;
        // The second read finds the message the concurrent delivery stored.
        return (reads === 1 ? {} : { duplicateOf: { ticketId: 'T9', messageId: 'M9', pendingJobs: [] } }) as IngestContext;
      }, events),
      ids: { newId: () => `01JBENCH${String(++n).padStart(18, '0')}` },
      clock: { now: () => new Date('2026-11-25T12:00:00.000Z') },
      settings,
    } as unknown as CoreDeps;
    (deps.store as unknown as Record<string, unknown>)['commitIngest'] = async () => {
      commits++;
      throw new ConflictError('the ticket changed');
    };
    expect(await ingestMessage(deps, msg)).toEqual({ duplicate: true, ticketId: 'T9', messageId: 'M9', newTicket: false });
    expect({ reads, commits }).toEqual({ reads: 2, commits: 1 });
  });
});
