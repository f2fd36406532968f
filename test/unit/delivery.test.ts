/** Outbound delivery: outcomes recorded before metrics, automation sent at most once. */
import { describe, expect, it } from 'vitest';
import { RecordingMetrics } from '../../functions/adapters/metrics.ts';
import { PermanentSendError, type CoreDeps, type Sender, type TicketStore } from '../../functions/core/ports.ts';
import { deliverMessage } from '../../functions/core/services/delivery.ts';
import { defaultPolicies } from '../../functions/core/sla-policy.ts';
import type { Message, Ticket } from '../../functions/core/types.ts';

const now = new Date('2026-03-02T10:00:00.000Z');
const ticket: Ticket = {
  id: 'T1',
  status: 'open',
  priority: 'normal',
  channel: 'sms',
  provider: 'twilio',
  contactId: 'C',
  threadKey: 'k',
  inboxAddress: '+1999',
  customerAddress: '+1555',
  tags: [],
  createdAt: now.toISOString(),
  lastMessageAt: now.toISOString(),
  messageCount: 2,
  reopenCount: 0,
  version: 3,
};
const message = (automated: boolean): Message => ({
  id: 'M1',
  ticketId: 'T1',
  direction: 'outbound',
  automated,
  text: 'hi',
  attachments: [],
  from: '+1999',
  to: '+1555',
  createdAt: now.toISOString(),
  deliveryStatus: 'queued',
});

/** A store whose first `failRecords` outcome writes fail (as if DynamoDB timed out after the send). */
function harness(sender: Sender, failRecords: number) {
  const claims = new Set<string>();
  const recorded: string[] = [];
  let failures = failRecords;
  const store = {
    claimSend: async (_t: string, _c: string, id: string) => {
      if (claims.has(id)) return false;
      claims.add(id);
      return true;
    },
    getMessages: async () => [],
    updateMessageDelivery: async (_t: Ticket, _id: string, _c: string, u: { status: string }) => {
      if (failures-- > 0) throw new Error('store timed out');
      recorded.push(u.status);
    },
  } as unknown as TicketStore;
  const metrics = new RecordingMetrics();
  let n = 0;
  const deps = {
    store,
    metrics,
    senders: { twilio: sender },
    jobs: { enqueue: async () => undefined },
    clock: { now: () => now },
    ids: { newId: () => `E${++n}`, token: () => 'tok' },
    settings: { sla: { policies: defaultPolicies({ sms: 3600 } as never), calendars: {} } },
  } as unknown as CoreDeps;
  return { deps, recorded, metrics };
}

/** Run a job the way SQS does: again after a failure, up to `tries` times. */
async function withRetries(fn: () => Promise<unknown>, tries = 3): Promise<unknown> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= tries) throw e;
    }
  }
}

describe('delivery', () => {
  it('an automated message is sent at most once even when recording the send fails', async () => {
    let sends = 0;
    const h = harness({ send: async () => ({ status: 'sent', providerMessageId: `SM${++sends}` }) }, 1);
    await withRetries(() => deliverMessage(h.deps, ticket, message(true)));
    expect(sends).toBe(1);
    // The retry found the intent recorded and did not send again; it records why.
    expect(h.recorded).toEqual(['not_sent']);
  });

  it('OutboundFailed follows the recorded failure: a retry after a failed write emits it once', async () => {
    const h = harness({ send: async () => Promise.reject(new PermanentSendError('21211 invalid number')) }, 1);
    await withRetries(() => deliverMessage(h.deps, ticket, message(false)));
    expect(h.recorded).toEqual(['failed']);
    expect(h.metrics.events.filter((e) => e.name === 'OutboundFailed')).toHaveLength(1);
  });

  it('a message no longer queued is not sent again', async () => {
    let sends = 0;
    const h = harness({ send: async () => ({ status: 'sent', providerMessageId: `SM${++sends}` }) }, 0);
    expect(await deliverMessage(h.deps, ticket, { ...message(false), deliveryStatus: 'sent' })).toBe('already');
    expect(sends).toBe(0);
  });
});
