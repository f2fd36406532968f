/** Agent replies on voice tickets (replyToTicket → voice-replies.ts): the refusals and when a callback task is recorded. */
import { describe, expect, it } from 'vitest';
import { coreSettings } from '../helpers/fixtures.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { replyToTicket } from '../../functions/core/services/tickets.ts';
import type { Ticket } from '../../functions/core/types.ts';

const settings = coreSettings();

const voiceTicket = (over: Partial<Ticket>): Ticket =>
  ({
    id: 'T0', status: 'open', priority: 'normal', channel: 'voice', provider: 'twilio', contactId: 'C0', threadKey: '+1999|+15555550100',
    inboxAddress: '+15557650000', customerAddress: '+15555550100', tags: [], createdAt: '2026-03-01T09:00:00.000Z', lastMessageAt: '2026-03-01T09:30:00.000Z',
    messageCount: 1, reopenCount: 0, version: 4, ...over,
  }) as Ticket;

function deps(ticket: Ticket, replyBySms: boolean) {
  const writes: unknown[] = [];
  let n = 0;
  const d = {
    store: {
      getTicket: async () => ticket,
      updateTicket: async (t: Ticket) => void writes.push(t),
      appendMessage: async (a: unknown) => void writes.push(a),
      getIdempotentResult: async () => undefined,
    },
    voice: { settings: { replyBySms } },
    settings,
    clock: { now: () => new Date('2026-03-01T10:00:00Z') },
    ids: { newId: () => `E${++n}`, token: () => 'tok' },
    metrics: { emit: () => undefined },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    jobs: { enqueue: async () => undefined },
  } as unknown as CoreDeps;
  return { d, writes };
}

const reply = (d: CoreDeps) => replyToTicket(d, 'T0', { text: 'hi' }, 'agent:alice' as never, undefined).catch((x: unknown) => x as { status?: number; code?: string });

describe('replies on voice tickets', () => {
  it.each([
    ['closed', { status: 'closed' as const }, 'ticket_closed'],
    ['erased', { erasedAt: '2026-03-01T09:45:00.000Z', customerAddress: '[erased]' }, 'contact_erased'],
  ])('%s ticket, replies by SMS off: the usual 409, no callback task', async (_n, over, code) => {
    const { d, writes } = deps(voiceTicket(over as Partial<Ticket>), false);
    expect(await reply(d)).toMatchObject({ status: 409, code });
    expect(writes).toEqual([]);
  });

  it('replies by SMS off: 409 voice_reply_unsupported and the callback task (tag + callback.requested)', async () => {
    const { d, writes } = deps(voiceTicket({}), false);
    expect(await reply(d)).toMatchObject({ status: 409, code: 'voice_reply_unsupported' });
    expect(writes).toEqual([expect.objectContaining({ tags: ['callback'] })]);
  });

  it.each(['anonymous', 'Restricted', 'client:alice', 'sip:bob@example.com', '5555550100'])('a caller without a phone number (%s): 409 no_sms_address, nothing written, by SMS on or off', async (customerAddress) => {
    for (const replyBySms of [true, false]) {
      const { d, writes } = deps(voiceTicket({ customerAddress }), replyBySms);
      expect(await reply(d)).toMatchObject({ status: 409, code: 'no_sms_address' });
      expect(writes).toEqual([]);
    }
  });

  it('replies by SMS on, a phone caller: the reply is queued', async () => {
    const { d, writes } = deps(voiceTicket({}), true);
    const r = (await reply(d)) as { message?: { to: string; deliveryStatus: string } };
    expect(r.message).toMatchObject({ to: '+15555550100', deliveryStatus: 'queued' });
    expect(writes).toHaveLength(1);
  });
});
