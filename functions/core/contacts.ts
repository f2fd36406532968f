/**
 * Contact rules: how an address given by a caller becomes identities to look up, and what a patch,
 * a merge and an erase make of the stored items. Pure: no I/O, no AWS.
 */
import { ClientError } from './errors.ts';
import { normalizeEmail } from './email.ts';
import type { TicketEvent } from './ticket-events.ts';
import { recordingKey } from './voice/keys.ts';
import type { Contact, Identity, IdentityKind, Message, Ticket } from './types.ts';

export { IDENTITY_KINDS } from './types.ts';

export type AttributeValue = string | number | boolean;

/** Bounds on a contact's custom attributes. */
export const ATTRIBUTE_LIMITS = { maxKeys: 50, keyPattern: /^(?!(?:__proto__|constructor|prototype)$)[A-Za-z0-9_.-]{1,64}$/, maxStringChars: 1000 } as const;

/** Longest address `GET /v1/contacts?identity=` accepts (an email address is at most 320 characters). */
export const MAX_ADDRESS_CHARS = 320;

/** What erased fields hold instead of personal data. */
export const REDACTED = '[erased]';

/** A contact as stored, with its lifecycle state. */
export interface StoredContact extends Contact {
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  /** Optimistic-concurrency version; 1 for a contact ingest created and nobody changed since. */
  readonly version: number;
  readonly updatedAt?: string;
  /** Tombstone of a merge: reads follow `mergedInto`. */
  readonly mergedInto?: string;
  readonly mergedAt?: string;
  readonly mergedBy?: string;
  /** A merge started (`<from>><into>`) and not finished: only that same merge may touch this contact. */
  readonly mergeLock?: string;
  /** Erase started at (then finished at `erasedAt`); the contact keeps no personal data after. */
  readonly erasingAt?: string;
  readonly erasedAt?: string;
  readonly erasedBy?: string;
}

/** Tickets and messages an erase has finished carry when it did. */
export type ErasableTicket = Ticket & { readonly erasedAt?: string };
export type ErasableMessage = Message & { readonly erasedAt?: string };

/**
 * The identities an address may be, normalized as ingest stores them: a phone as E.164 (also as a
 * WhatsApp id, short code or platform id when it is all digits), an email case-folded, anything else
 * as a sender id or platform id. `kind` narrows it to one kind. At most 8 lookups. `toE164` is
 * core/phone.ts's (passed in, so the api loads the phone-number library only when it looks one up).
 */
export function identityCandidates(raw: string, kind: IdentityKind | undefined, toE164: (raw: string) => string | undefined): Identity[] {
  const v = raw.trim();
  const out = new Map<string, Identity>();
  const add = (k: IdentityKind, value: string | undefined) => {
    if (value && (!kind || kind === k)) out.set(`${k}#${value}`, { kind: k, value });
  };
  const compact = v.replace(/[\s().-]/g, '');
  if (v.includes('@')) {
    add('email', normalizeEmail(v));
  } else if (/^\+?\d{1,20}$/.test(compact)) {
    const digits = compact.replace(/^\+/, '');
    add('phone', toE164(`+${digits}`));
    add('sms-sender', compact);
    if (compact !== v) add('sms-sender', v);
    for (const k of ['wa', 'telegram', 'x', 'psid', 'igsid'] as const) add(k, digits);
  } else {
    for (const k of ['sms-sender', 'psid', 'igsid', 'telegram', 'x', 'wa'] as const) add(k, v);
  }
  // An explicit kind also accepts a value the heuristics above would not route to it.
  if (kind && out.size === 0) add(kind, kind === 'email' ? normalizeEmail(v) : kind === 'phone' ? toE164(compact.startsWith('+') ? compact : `+${compact}`) : v);
  return [...out.values()];
}

export interface ContactPatch {
  readonly name?: string | null | undefined;
  /** null removes a key. */
  readonly attributes?: Readonly<Record<string, AttributeValue | null>> | undefined;
}

/** A patched contact (same version: the store bumps it), or the same object when nothing changes. */
export function applyContactPatch(c: StoredContact, patch: ContactPatch, now: Date): StoredContact {
  const attributes: Record<string, AttributeValue> = { ...(c.attributes ?? {}) };
  for (const [k, v] of Object.entries(patch.attributes ?? {})) {
    if (v === null) delete attributes[k];
    else attributes[k] = v;
  }
  if (Object.keys(attributes).length > ATTRIBUTE_LIMITS.maxKeys) {
    throw new ClientError(400, 'too_many_attributes', `A contact has at most ${ATTRIBUTE_LIMITS.maxKeys} attributes; this patch would leave ${Object.keys(attributes).length}.`);
  }
  const name = patch.name === undefined ? c.name : (patch.name ?? undefined);
  const { name: _n, attributes: _a, ...rest } = c;
  const next: StoredContact = {
    ...rest,
    ...(name !== undefined ? { name } : {}),
    ...(Object.keys(attributes).length ? { attributes } : {}),
  };
  const same = next.name === c.name && JSON.stringify(next.attributes ?? {}) === JSON.stringify(c.attributes ?? {});
  return same ? c : { ...next, updatedAt: now.toISOString() };
}

/** A contact that can take part in a merge or an erase right now, or the 409 that says why not. */
export function assertLive(c: StoredContact, role: 'survivor' | 'source' | 'contact'): void {
  if (c.erasedAt || c.erasingAt) throw new ClientError(409, 'contact_erased', `Contact ${c.id} was erased.`);
  if (c.mergedInto) {
    throw new ClientError(409, 'contact_merged', `Contact ${c.id} was merged into ${c.mergedInto}${role === 'source' ? ' (into another contact)' : ''}; use that contact.`, { mergedInto: c.mergedInto });
  }
}

export const mergeLockOf = (fromId: string, intoId: string): string => `${fromId}>${intoId}`;

/** Refuses a merge that cannot start (or resume): merging into itself, tombstones, erased contacts, another merge under way. */
export function checkMerge(into: StoredContact, from: StoredContact): 'start' | 'resume' | 'done' {
  if (from.mergedInto === into.id && !into.mergedInto && !into.erasedAt) return 'done';
  assertLive(into, 'survivor');
  assertLive(from, 'source');
  const lock = mergeLockOf(from.id, into.id);
  for (const c of [into, from]) {
    if (c.mergeLock && c.mergeLock !== lock) {
      const [f, i] = c.mergeLock.split('>');
      throw new ClientError(409, 'merge_in_progress', `Contact ${c.id} is part of an unfinished merge of ${f} into ${i}; repeat that merge to finish it first.`, { from: f, into: i });
    }
  }
  return into.mergeLock === lock && from.mergeLock === lock ? 'resume' : 'start';
}

/**
 * The survivor and the tombstone a merge leaves: the survivor gains the source's identities, its
 * name when it has none, and the attributes it lacks (within the bound; the rest are listed).
 */
export function planMergeFinish(into: StoredContact, from: StoredContact, by: string, now: Date): { survivor: StoredContact; tombstone: StoredContact; attributesNotMerged: string[] } {
  const seen = new Set(into.identities.map((i) => `${i.kind}#${i.value}`));
  const identities = [...into.identities, ...from.identities.filter((i) => !seen.has(`${i.kind}#${i.value}`))];
  const attributes: Record<string, AttributeValue> = { ...(into.attributes ?? {}) };
  const attributesNotMerged: string[] = [];
  for (const [k, v] of Object.entries(from.attributes ?? {})) {
    if (k in attributes) continue;
    if (Object.keys(attributes).length >= ATTRIBUTE_LIMITS.maxKeys) attributesNotMerged.push(k);
    else attributes[k] = v;
  }
  const name = into.name ?? from.name;
  const { mergeLock: _l, name: _n, attributes: _a, ...base } = into;
  const at = now.toISOString();
  return {
    survivor: { ...base, identities, ...(name !== undefined ? { name } : {}), ...(Object.keys(attributes).length ? { attributes } : {}), updatedAt: at },
    tombstone: { id: from.id, createdAt: from.createdAt, identities: [], version: from.version, mergedInto: into.id, mergedAt: at, mergedBy: by, updatedAt: at },
    attributesNotMerged,
  };
}

/** A contact after an erase: its id and dates only. */
export const erasedContact = (c: StoredContact, at: string, by: string): StoredContact => ({
  id: c.id,
  createdAt: c.createdAt,
  identities: [],
  version: c.version,
  erasedAt: at,
  erasedBy: by,
  updatedAt: at,
});

/** S3 keys a message's bytes live under (attachments, full text, large HTML). */
export const objectKeysOf = (m: Message): string[] => [
  ...new Set(
    [
      ...m.attachments.map((a) => a.key),
      m.fullTextKey,
      m.email?.htmlKey,
      // A call's recordings: where the download job puts (or is about to put) the audio, stored or not yet.
      ...(m.voice?.recordings ?? []).flatMap((r) => [r.key, recordingKey(m.ticketId, r.id)]),
    ].filter((k): k is string => typeof k === 'string' && k.length > 0),
  ),
];

/**
 * A message with nothing personal left: no text, addresses, attachments, email headers or provider
 * id (Telegram's embeds the chat id). Its direction, timing, delivery status, author (the agent)
 * and our id stay (the ticket's metrics and events refer to them).
 */
export function redactMessage(m: Message, at: string): ErasableMessage {
  const {
    text: _t,
    originalText: _o,
    from: _f,
    to: _to,
    attachments: _a,
    email: _e,
    fullTextKey: _k,
    deliveryError: _d,
    inReplyTo: _r,
    providerMessageId: _pid,
    voice,
    ...kept
  } = m;
  return {
    ...kept,
    text: '',
    from: REDACTED,
    to: REDACTED,
    attachments: [],
    ...(m.email ? { email: { subject: '', references: [], cc: [], preview: '' } } : {}),
    // A call keeps its outcome and durations; transcripts (the caller's words) and recording URLs go.
    // The state's revision moves on, so a callback or download that read the call before the erase
    // can no longer write it back (the call store's write is guarded by that revision and erasedAt).
    ...(voice
      ? {
          voice: {
            ...voice,
            rev: voice.rev + 1,
            transcripts: [],
            recordings: voice.recordings.map((r) => ({ id: r.id, url: REDACTED, durationSeconds: r.durationSeconds, ...(r.refused ? { refused: r.refused } : {}) })),
          },
        }
      : {}),
    erasedAt: at,
  };
}

/** A ticket with no personal data: timing, status, metrics, SLA and counts stay. */
export function redactTicket(t: Ticket, at: string): ErasableTicket {
  const { subject: _s, participants: _p, survey, ...kept } = t;
  // A rating's score stays (the report counts it); its comment is the customer's words.
  const { comment: _c, ...score } = survey ?? ({} as NonNullable<Ticket['survey']>);
  return { ...kept, ...(survey ? { survey: score } : {}), customerAddress: REDACTED, threadKey: REDACTED, ...(t.subject !== undefined ? { subject: REDACTED } : {}), erasedAt: at };
}

/** An event with a provider's error text (which may quote the customer's address) redacted; undefined when it holds none. */
export function redactEvent(e: TicketEvent): TicketEvent | undefined {
  if (e.type === 'reply.failed' && e.error !== undefined && e.error !== REDACTED) return { ...e, error: REDACTED };
  // A rating's comment is the customer's words; an opt-out names their address.
  if (e.type === 'survey.rated' && e.comment !== undefined && e.comment !== REDACTED) return { ...e, comment: REDACTED };
  if ((e.type === 'contact.opted_out' || e.type === 'contact.opted_in') && e.address !== REDACTED) return { ...e, address: REDACTED };
  if (e.type === 'callback.requested' && e.number !== REDACTED) return { ...e, number: REDACTED };
  return undefined;
}
