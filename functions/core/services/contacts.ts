/**
 * What the REST API does with contacts: find by address, read (following merges), list tickets,
 * patch, export. Merge and erase are in contact-merge.ts and contact-erase.ts.
 */
import { applyContactPatch, assertLive, identityCandidates, type ContactPatch, type StoredContact } from '../contacts.ts';
import { ClientError, ConflictError } from '../errors.ts';
import { openCursor, sealCursor } from '../listing.ts';
import type { CoreDeps } from '../ports.ts';
import type { TicketEvent } from '../ticket-events.ts';
import type { Channel, IdentityKind, IdentityLink, Message, Ticket } from '../types.ts';
import { lostRace } from './retry.ts';

/** Merges followed on a read before giving up (a chain longer than this means the data is odd). */
const MAX_REDIRECTS = 5;

export async function getContactOr404(deps: CoreDeps, id: string): Promise<StoredContact> {
  const c = await deps.contacts.getContact(id);
  if (!c) throw new ClientError(404, 'not_found', `No contact with id "${id}".`);
  return c;
}

/** A contact, or the contact it was merged into (reads follow merges; `redirectedFrom` says so). */
export async function resolveContact(deps: CoreDeps, id: string): Promise<{ contact: StoredContact; redirectedFrom?: string }> {
  let c = await getContactOr404(deps, id);
  for (let hops = 0; c.mergedInto && hops < MAX_REDIRECTS; hops++) {
    const next = await deps.contacts.getContact(c.mergedInto);
    if (!next) break;
    c = next;
  }
  return { contact: c, ...(c.id !== id ? { redirectedFrom: id } : {}) };
}

/** Identities a key restricted to some channels may see: those first linked on one of them. */
const visible = (links: readonly IdentityLink[], channels: readonly Channel[] | undefined) =>
  channels ? links.filter((l) => channels.includes(l.linkedVia.channel)) : [...links];

export interface ContactRead {
  readonly contact: StoredContact;
  readonly identities: IdentityLink[];
  readonly redirectedFrom?: string;
}

/** A contact with its identities and first page of tickets; a restricted key sees only its channels' (404 if nothing). */
export async function readContact(deps: CoreDeps, id: string, channels?: readonly Channel[]): Promise<ContactRead & { tickets: Ticket[]; nextCursor: string | null }> {
  const { contact, redirectedFrom } = await resolveContact(deps, id);
  const [links, page] = await Promise.all([deps.contacts.identitiesOf(contact), listContactTickets(deps, contact.id, 100, undefined, channels)]);
  const identities = visible(links, channels);
  if (channels && identities.length === 0 && page.tickets.length === 0) throw new ClientError(404, 'not_found', `No contact with id "${id}".`);
  return { contact, identities, ...(redirectedFrom ? { redirectedFrom } : {}), tickets: page.tickets, nextCursor: page.nextCursor };
}

/**
 * Contacts an address belongs to (`identity`: a phone, an email or a platform id; `kind` narrows it).
 * Several kinds can hold the same digits (a Telegram id and an X id), so the answer is a list.
 */
export async function findContacts(deps: CoreDeps, address: string, kind: IdentityKind | undefined, channels?: readonly Channel[]): Promise<Array<ContactRead & { matched: IdentityLink[] }>> {
  const candidates = identityCandidates(address, kind, (await import('../phone.ts')).toE164);
  if (candidates.length === 0) throw new ClientError(400, 'invalid_identity', `The address is not a valid ${kind ?? 'identity'} (phones need a country code, e.g. +14155550100).`);
  const links = visible(
    (await Promise.all(candidates.map((c) => deps.contacts.findByIdentity(c.kind, c.value)))).filter((l): l is IdentityLink => l !== undefined),
    channels,
  );
  const byContact = new Map<string, IdentityLink[]>();
  for (const l of links) byContact.set(l.contactId, [...(byContact.get(l.contactId) ?? []), l]);
  const found = await Promise.all(
    [...byContact].map(async ([id, matched]) => {
      const { contact, redirectedFrom } = await resolveContact(deps, id).catch(() => ({ contact: undefined, redirectedFrom: undefined }));
      if (!contact) return undefined;
      const identities = visible(await deps.contacts.identitiesOf(contact), channels);
      return { contact, identities, matched, ...(redirectedFrom ? { redirectedFrom } : {}) };
    }),
  );
  const out = found.filter((f) => f !== undefined);
  if (out.length === 0) throw new ClientError(404, 'not_found', 'No contact has this address.');
  return out;
}

const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[0-9A-HJKMNP-TV-Z]{26}$/;

/** Opaque cursors bound to one contact and one listing (`what`), signed with the deployment's key. */
export const contactCursor = {
  seal: (deps: CoreDeps, what: string, contactId: string, last: string) => sealCursor(`${what}|${contactId}|${last}`, deps.settings.cursorKey),
  open(deps: CoreDeps, what: string, contactId: string, cursor: string | undefined): string | undefined {
    if (cursor === undefined) return undefined;
    const [w, id, last, ...rest] = (openCursor(cursor, deps.settings.cursorKey) ?? '').split('|');
    if (w !== what || id !== contactId || rest.length || !last || !SORT_KEY.test(last)) {
      throw new ClientError(400, 'invalid_cursor', 'The cursor is not one this endpoint gave for this contact.');
    }
    return last;
  },
};

/** A contact's tickets, newest first, one page at a time (restricted keys: their channels only). */
export async function listContactTickets(deps: CoreDeps, contactId: string, limit: number, cursor: string | undefined, channels?: readonly Channel[]): Promise<{ tickets: Ticket[]; nextCursor: string | null }> {
  const after = contactCursor.open(deps, 'tickets', contactId, cursor);
  const page = await deps.contacts.ticketsOf(contactId, limit, after, channels);
  return { tickets: page.tickets, nextCursor: page.last ? contactCursor.seal(deps, 'tickets', contactId, page.last) : null };
}

export async function patchContact(deps: CoreDeps, id: string, patch: ContactPatch, ifVersion: number | undefined): Promise<StoredContact> {
  for (let attempt = 1; ; attempt++) {
    const c = await getContactOr404(deps, id);
    assertLive(c, 'contact');
    checkContactVersion(c, ifVersion);
    const next = applyContactPatch(c, patch, deps.clock.now());
    if (next === c) return c;
    try {
      return await deps.contacts.putContact(next, c.version);
    } catch (e) {
      if (e instanceof ConflictError && ifVersion !== undefined) throw staleContact();
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
  }
}

/** An If-Match that names another version than the stored one: 412. */
export function checkContactVersion(c: StoredContact, ifVersion: number | undefined): void {
  if (ifVersion !== undefined && c.version !== ifVersion) {
    throw new ClientError(412, 'version_mismatch', `The contact is at version ${c.version}, not ${ifVersion}; read it again.`);
  }
}

export const staleContact = () => new ClientError(412, 'version_mismatch', 'The contact changed; read it again.');

/** Bounds of one export page. */
export const EXPORT_LIMITS = { defaultTickets: 10, maxTickets: 25, eventsPerTicket: 1000 } as const;

export interface ContactExport extends ContactRead {
  readonly tickets: Array<{ ticket: Ticket; messages: Message[]; events: TicketEvent[]; eventsTruncated: boolean }>;
  readonly nextCursor: string | null;
}

/**
 * Everything held about a person, one page of tickets at a time: the contact, its identities, and
 * each ticket with its messages (up to the store's 1000) and events (up to 1000).
 */
export async function exportContact(deps: CoreDeps, id: string, limit: number, cursor: string | undefined): Promise<ContactExport> {
  const { contact, redirectedFrom } = await resolveContact(deps, id);
  const after = contactCursor.open(deps, 'export', contact.id, cursor);
  const [identities, page] = await Promise.all([deps.contacts.identitiesOf(contact), deps.contacts.ticketsOf(contact.id, limit, after)]);
  const tickets = await Promise.all(
    page.tickets.map(async (ticket) => {
      const [messages, log] = await Promise.all([deps.store.getMessages(ticket.id), allEvents(deps, ticket.id, EXPORT_LIMITS.eventsPerTicket)]);
      return { ticket, messages, events: log.events, eventsTruncated: log.truncated };
    }),
  );
  return {
    contact,
    identities,
    ...(redirectedFrom ? { redirectedFrom } : {}),
    tickets,
    nextCursor: page.last ? contactCursor.seal(deps, 'export', contact.id, page.last) : null,
  };
}

/** A ticket's events, oldest first, up to `max`. */
export async function allEvents(deps: CoreDeps, ticketId: string, max: number): Promise<{ events: TicketEvent[]; truncated: boolean }> {
  const events: TicketEvent[] = [];
  let after: string | undefined;
  do {
    const page = await deps.store.listEvents(ticketId, 200, after);
    events.push(...page.events);
    after = page.last;
  } while (after && events.length < max);
  return { events: events.slice(0, max), truncated: after !== undefined || events.length > max };
}
