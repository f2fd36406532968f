import { describe, expect, it } from 'vitest';
import type { CoreSettings, IngestContext } from '../../functions/core/ports.ts';
import { planIngest } from '../../functions/core/tickets.ts';
import type { InboundMessage, Ticket } from '../../functions/core/types.ts';
import { coreSettings } from '../helpers/fixtures.ts';

export const settings: CoreSettings = coreSettings({ autoAck: { enabled: true, text: 'ack {ticket}' } });
const now = new Date('2026-03-01T10:00:00.000Z');
let n = 0;
const ids = { ticketId: 'T1', contactId: 'C1', messageId: 'M1', newId: () => `E${++n}` };
const msg: InboundMessage = {
  provider: 'twilio',
  channel: 'sms',
  providerMessageId: 'SM1',
  threadKey: '+1999|+1555',
  from: '+1555',
  to: '+1999',
  identity: { kind: 'phone', value: '+15555550100' },
  text: 'help',
  attachments: [],
  receivedAt: now.toISOString(),
};
const existing = (over: Partial<Ticket> = {}): Ticket => ({
  id: 'T0',
  status: 'open',
  priority: 'normal',
  channel: 'sms',
  provider: 'twilio',
  contactId: 'C0',
  threadKey: msg.threadKey,
  inboxAddress: '+1999',
  customerAddress: '+1555',
  tags: [],
  createdAt: '2026-03-01T09:00:00.000Z',
  lastMessageAt: '2026-03-01T09:30:00.000Z',
  messageCount: 2,
  reopenCount: 0,
  version: 4,
  ...over,
});

describe('planIngest', () => {
  it('opens a ticket, a contact, a thread pointer, an ack and a delayed SLA check for a new sender', () => {
    const p = planIngest(msg, {}, ids, now, settings);
    expect(p.outcome).toEqual({ ticketId: 'T1', messageId: 'M1', newTicket: true, reopened: false });
    expect(p.write.ticket).toMatchObject({ id: 'T1', status: 'open', contactId: 'C1', messageCount: 1, version: 1, slaDueAt: '2026-03-01T11:00:00.000Z' });
    expect(p.write.change.events.map((e) => e.type)).toEqual(['sla.policy', 'message.received']);
    expect(p.write.change.events[0]).toMatchObject({ ticketId: 'T1', actor: 'automation', policy: 'default-sms', calendar: null });
    expect(p.write.change.events[1]).toMatchObject({ actor: 'customer', messageId: 'M1', countsAsCustomerMessage: true, at: now.toISOString() });
    expect(p.write.newContact?.contact.identities).toEqual([msg.identity]);
    expect(p.write.newContact?.identity).toEqual({
      ...msg.identity,
      contactId: 'C1',
      linkedAt: now.toISOString(),
      linkedVia: { provider: 'twilio', providerMessageId: 'SM1', channel: 'sms' },
    });
    expect(p.write.thread).toEqual({ key: msg.threadKey, channel: 'sms', ticketId: 'T1' });
    expect(p.write.expectedTicketVersion).toBeUndefined();
    expect(p.jobs).toEqual([
      // each carries the dedupe key whose pending follow-ups the worker clears when it runs one
      { job: { kind: 'ack', ticketId: 'T1', origin: 'twilio#sms#SM1' }, delaySeconds: 0 },
      // an hour's target is checked (one second after it is due) in hops of at most 15 minutes
      { job: { kind: 'sla-check', ticketId: 'T1', dueAt: '2026-03-01T11:00:01.000Z', origin: 'twilio#sms#SM1' }, delaySeconds: 900 },
    ]);
    expect(p.write.pendingJobs).toEqual(p.jobs);
    expect(p.metrics.map((m) => m.name)).toEqual(['MessagesReceived', 'TicketsCreated']);
    expect(p.metrics[0]!.dimensions).toEqual({ Channel: 'sms', Provider: 'twilio' });
  });

  it('appends to the thread ticket with a version guard and no follow-ups', () => {
    const ctx: IngestContext = { threadTicket: existing(), threadPointer: 'T0', contactId: 'C0' };
    const p = planIngest(msg, ctx, ids, now, settings);
    expect(p.outcome.newTicket).toBe(false);
    expect(p.write.ticket).toMatchObject({ id: 'T0', messageCount: 3, version: 5, lastMessageAt: now.toISOString() });
    expect(p.write.expectedTicketVersion).toBe(4);
    expect(p.write.thread).toBeUndefined();
    expect(p.write.newContact).toBeUndefined();
    expect(p.jobs).toEqual([]);
    expect(p.write.message.ticketId).toBe('T0');
    expect(p.write.change.events.map((e) => e.type)).toEqual(['message.received']);
  });

  it.each([
    ['a reaction', { signal: 'reaction' as const }],
    ['a postback', { signal: 'postback' as const }],
    ['an auto-reply', { email: { subject: 's', references: [], cc: [], preview: '', autoSubmitted: 'auto-submitted: auto-replied' } }],
  ])('%s neither reopens a resolved ticket nor counts as a customer message', (_what, over) => {
    const p = planIngest({ ...msg, ...over }, { threadTicket: existing({ status: 'resolved', resolvedAt: 'x' }), threadPointer: 'T0' }, ids, now, settings);
    expect(p.write.ticket.status).toBe('resolved');
    expect(p.outcome.reopened).toBe(false);
    expect(p.write.change.events).toEqual([expect.objectContaining({ type: 'message.received', countsAsCustomerMessage: false })]);
  });

  it.each(['resolved', 'pending'] as const)('reopens a %s ticket', (status) => {
    const p = planIngest(msg, { threadTicket: existing({ status, resolvedAt: '2026-03-01T09:40:00.000Z' }), threadPointer: 'T0' }, ids, now, settings);
    expect(p.write.ticket.status).toBe('open');
    expect(p.outcome.reopened).toBe(status === 'resolved');
    if (status === 'resolved') {
      expect(p.write.ticket.resolvedAt).toBeUndefined();
      expect(p.write.ticket.reopenCount).toBe(1);
      expect(p.metrics.map((m) => m.name)).toContain('TicketsReopened');
      expect(p.write.change.events.map((e) => e.type)).toEqual(['status.changed', 'ticket.reopened', 'message.received']);
    } else {
      expect(p.write.change.events.map((e) => e.type)).toEqual(['status.changed', 'message.received']);
    }
  });

  it('opens a new ticket when the thread ticket is closed, guarding the old pointer', () => {
    const p = planIngest(msg, { threadTicket: existing({ status: 'closed' }), threadPointer: 'T0' }, ids, now, settings);
    expect(p.outcome.newTicket).toBe(true);
    expect(p.write.thread).toEqual({ key: msg.threadKey, channel: 'sms', ticketId: 'T1', expectedPrevious: 'T0' });
  });

  it('does not queue an ack when auto-acknowledgement is off', () => {
    const p = planIngest(msg, {}, ids, now, { ...settings, autoAck: { enabled: false, text: '' } });
    expect(p.jobs.map((j) => j.job.kind)).toEqual(['sla-check']);
  });
});

