/** Contact rules (functions/core/contacts.ts): address parsing, patches, merge planning, redaction. */
import { describe, expect, it } from 'vitest';
import {
  applyContactPatch,
  checkMerge,
  identityCandidates,
  objectKeysOf,
  planMergeFinish,
  redactEvent,
  redactMessage,
  redactTicket,
  REDACTED,
  type StoredContact,
} from '../../functions/core/contacts.ts';
import { toE164 } from '../../functions/core/phone.ts';
import type { TicketEvent } from '../../functions/core/ticket-events.ts';
import type { Message, Ticket } from '../../functions/core/types.ts';

const now = new Date('2026-03-02T10:00:00.000Z');
const contact = (over: Partial<StoredContact> = {}): StoredContact => ({
  id: '01ARZ3NDEKTSV4RRFFQ69G5FAA',
  identities: [{ kind: 'phone', value: '+14155550100' }],
  createdAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...over,
});
const other = (over: Partial<StoredContact> = {}) => contact({ id: '01ARZ3NDEKTSV4RRFFQ69G5FBB', identities: [{ kind: 'email', value: 'ada@example.com' }], ...over });
const kinds = (raw: string, kind?: Parameters<typeof identityCandidates>[1]) => identityCandidates(raw, kind, toE164).map((i) => `${i.kind}:${i.value}`);

describe('identityCandidates', () => {
  it('a phone in any spelling becomes E.164, and its digits are also tried as platform ids', () => {
    expect(kinds('+1 (415) 555-0100')).toEqual(
      expect.arrayContaining(['phone:+14155550100', 'sms-sender:+14155550100', 'wa:14155550100', 'telegram:14155550100', 'x:14155550100', 'psid:14155550100', 'igsid:14155550100']),
    );
    expect(kinds('14155550100')).toContain('phone:+14155550100');
    expect(identityCandidates('+1 415 555 0100', undefined, toE164).length).toBeLessThanOrEqual(8);
  });

  it('an email is case-folded and only an email', () => {
    expect(kinds('  Ada.Lovelace@Example.COM ')).toEqual(['email:ada.lovelace@example.com']);
  });

  it('a short code or name is a sender id or platform id, never a phone', () => {
    expect(kinds('ACME')).not.toContain(expect.stringMatching(/^phone:/));
    expect(kinds('ACME')).toContain('sms-sender:ACME');
    expect(kinds('12345')).toContain('sms-sender:12345');
  });

  it('kind narrows the lookups, and a value that cannot be that kind gives none', () => {
    expect(kinds('888777666', 'telegram')).toEqual(['telegram:888777666']);
    expect(kinds('PSID-1', 'psid')).toEqual(['psid:PSID-1']);
    expect(kinds('not a phone', 'phone')).toEqual([]);
    expect(kinds('+1 415 555 0100', 'phone')).toEqual(['phone:+14155550100']);
  });
});

describe('applyContactPatch', () => {
  it('sets and removes attributes, sets and clears the name, and stamps updatedAt', () => {
    const c = contact({ name: 'Ada', attributes: { plan: 'gold', seats: 3 } });
    const next = applyContactPatch(c, { name: null, attributes: { plan: null, vip: true } }, now);
    expect(next).toMatchObject({ attributes: { seats: 3, vip: true }, updatedAt: now.toISOString() });
    expect(next.name).toBeUndefined();
    expect(applyContactPatch(c, { attributes: { seats: 3 } }, now)).toBe(c); // no change, no write
  });

  it('refuses a patch that leaves more attributes than the bound', () => {
    const full = contact({ attributes: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])) });
    expect(() => applyContactPatch(full, { attributes: { one: 'more' } }, now)).toThrow(expect.objectContaining({ status: 400, code: 'too_many_attributes' }));
    expect(applyContactPatch(full, { attributes: { k0: null, one: 'more' } }, now).attributes).toHaveProperty('one', 'more');
  });
});

describe('merge planning', () => {
  it('starts, resumes its own lock, is done once the tombstone points at the survivor', () => {
    expect(checkMerge(contact(), other())).toBe('start');
    const lock = `${other().id}>${contact().id}`;
    expect(checkMerge(contact({ mergeLock: lock }), other({ mergeLock: lock }))).toBe('resume');
    expect(checkMerge(contact(), other({ mergedInto: contact().id }))).toBe('done');
  });

  it('refuses tombstones, erased contacts and contacts locked by another merge', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'none';
    };
    expect(code(() => checkMerge(contact({ mergedInto: 'X' }), other()))).toBe('contact_merged');
    expect(code(() => checkMerge(contact(), other({ mergedInto: 'SOMEONE-ELSE' })))).toBe('contact_merged');
    expect(code(() => checkMerge(contact({ erasedAt: now.toISOString() }), other()))).toBe('contact_erased');
    expect(code(() => checkMerge(contact(), other({ erasingAt: now.toISOString() })))).toBe('contact_erased');
    expect(code(() => checkMerge(contact({ mergeLock: 'A>B' }), other()))).toBe('merge_in_progress');
  });

  it('the survivor gains identities, a missing name and missing attributes (within the bound); the source becomes a bare tombstone', () => {
    const into = contact({ attributes: { plan: 'gold' }, mergeLock: 'x' });
    const from = other({ name: 'Ada', attributes: { plan: 'silver', team: 'blue' } });
    const { survivor, tombstone, attributesNotMerged } = planMergeFinish(into, from, 'agent', now);
    expect(survivor.identities).toEqual([...into.identities, ...from.identities]);
    expect(survivor).toMatchObject({ name: 'Ada', attributes: { plan: 'gold', team: 'blue' } });
    expect(survivor.mergeLock).toBeUndefined();
    expect(tombstone).toEqual({ id: from.id, createdAt: from.createdAt, identities: [], version: 1, mergedInto: into.id, mergedAt: now.toISOString(), mergedBy: 'agent', updatedAt: now.toISOString() });
    expect(attributesNotMerged).toEqual([]);
    const full = contact({ attributes: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])) });
    expect(planMergeFinish(full, from, 'agent', now).attributesNotMerged.sort()).toEqual(['plan', 'team']);
  });
});

describe('redaction', () => {
  const message: Message = {
    id: 'M1',
    ticketId: 'T1',
    direction: 'inbound',
    automated: false,
    text: 'my card is 4111',
    originalText: 'first version',
    attachments: [{ name: 'passport.jpg', key: 'attachments/abc/1-passport.jpg', url: 'https://media.example/1' }],
    providerMessageId: '12345:678',
    from: 'ada@example.com',
    to: 'help@support.example',
    createdAt: '2026-03-01T00:00:00.000Z',
    deliveryStatus: 'delivered',
    fullTextKey: 'attachments/abc/body.txt',
    email: { subject: 'Card', references: ['a@b'], cc: ['bob@example.com'], preview: 'my card', html: '<p>card</p>', htmlKey: 'attachments/abc/body.html', messageId: 'x@example.com' },
  };

  it('a message keeps its timing, direction and delivery status, and nothing personal', () => {
    const r = redactMessage(message, now.toISOString());
    expect(r).toMatchObject({ id: 'M1', direction: 'inbound', createdAt: message.createdAt, deliveryStatus: 'delivered', text: '', from: REDACTED, to: REDACTED, attachments: [], erasedAt: now.toISOString() });
    const text = JSON.stringify(r);
    for (const s of ['4111', 'first version', 'passport', 'ada@', 'bob@', 'Card', 'card', '12345', 'attachments/']) expect(text, s).not.toContain(s);
  });

  it('finds every stored object of a message', () => {
    expect(objectKeysOf(message).sort()).toEqual(['attachments/abc/1-passport.jpg', 'attachments/abc/body.html', 'attachments/abc/body.txt']);
  });

  it('a ticket keeps status and timing, loses address, thread key, subject and participants', () => {
    const t = {
      id: 'T1',
      status: 'resolved',
      priority: 'high',
      channel: 'email',
      provider: 'postmark',
      contactId: 'C',
      threadKey: 'msgid:x@example.com',
      inboxAddress: 'help@support.example',
      customerAddress: 'ada@example.com',
      subject: 'Card',
      participants: ['bob@example.com'],
      tags: [],
      createdAt: '2026-03-01T00:00:00.000Z',
      lastMessageAt: '2026-03-01T01:00:00.000Z',
      firstResponseAt: '2026-03-01T00:30:00.000Z',
      resolvedAt: '2026-03-01T02:00:00.000Z',
      messageCount: 3,
      reopenCount: 0,
      version: 4,
    } as Ticket;
    const r = redactTicket(t, now.toISOString());
    expect(r).toMatchObject({ status: 'resolved', createdAt: t.createdAt, firstResponseAt: t.firstResponseAt, resolvedAt: t.resolvedAt, messageCount: 3, customerAddress: REDACTED, threadKey: REDACTED, subject: REDACTED });
    expect(JSON.stringify(r)).not.toMatch(/ada@|bob@|Card|x@example/);
  });

  it('only events carrying provider error text change', () => {
    const failed = { id: 'E', ticketId: 'T', at: now.toISOString(), actor: 'automation', type: 'reply.failed', messageId: 'M', error: 'The To number +14155550100 is invalid' } as TicketEvent;
    expect(redactEvent(failed)).toMatchObject({ error: REDACTED });
    expect(redactEvent(redactEvent(failed)!)).toBeUndefined();
    expect(redactEvent({ ...failed, type: 'reply.sent' } as TicketEvent)).toBeUndefined();
  });
});
