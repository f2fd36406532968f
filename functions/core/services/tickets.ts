/** What the REST API does with tickets: read, list, reply, update. */
import { createHash } from 'node:crypto';
import { ClientError, ConflictError } from '../errors.ts';
import { openCursor, openListCursor, readPage, sealCursor, sealListCursor, type ListPosition } from '../listing.ts';
import { DuplicateError, type CoreDeps, type ListQuery } from '../ports.ts';
import { CONTACT_INLINE_MAX, LIST_READ_BOUND, inlinePage, isSync, normalizeQuery, partitions, planPhase, queryFingerprint, readsContactInline, type ListParams } from '../ticket-query.ts';
import { planNote, planPatch, planReply, type TicketPatch } from '../agent-actions.ts';
import type { Actor } from '../ticket-events.ts';
import type { TicketEvent } from '../ticket-events.ts';
import type { Channel, Message, Ticket } from '../types.ts';
import { lostRace } from './retry.ts';


export async function getTicketOr404(deps: CoreDeps, id: string): Promise<Ticket> {
  const t = await deps.store.getTicket(id);
  if (!t) throw new ClientError(404, 'not_found', `No ticket with id "${id}".`);
  return t;
}

export async function getTicketWithMessages(deps: CoreDeps, id: string): Promise<{ ticket: Ticket; messages: Message[] }> {
  const ticket = await getTicketOr404(deps, id);
  const messages = await deps.store.getMessages(id);
  return { ticket, messages };
}

export interface ListInput extends ListParams {
  readonly limit: number;
  readonly cursor?: string | undefined;
  /** The caller's channel restriction (Principal.channels): no other channel's ticket is ever listed. */
  readonly allowedChannels?: readonly Channel[] | undefined;
}

export interface TicketPage {
  readonly tickets: Ticket[];
  /** Absent at the end of the list; always present in sync mode (`sort=updatedAt`). */
  readonly nextCursor?: string;
  /** Index items read and Query calls made for this page (for the bench and logs). */
  readonly read: number;
  readonly queries: number;
}

/**
 * One page of a ticket list (core/ticket-query.ts plans it, core/listing.ts reads it). At most
 * LIST_READ_BOUND index items are read, so a page with a rare filter may hold fewer than `limit`
 * tickets and still have a nextCursor. The cursor is signed and bound to the query and the caller's
 * channel restriction.
 */
export async function listTickets(deps: CoreDeps, input: ListInput): Promise<TicketPage> {
  const key = deps.settings.cursorKey;
  const fingerprint = queryFingerprint(input, input.allowedChannels);
  let at: ListPosition = input.cursor ? openListCursor(input.cursor, fingerprint, key) : { phase: 0, pos: undefined };
  const q = normalizeQuery(input, input.allowedChannels);
  if (q === 'empty') return { tickets: [], read: 0, queries: 0 };
  const now = deps.clock.now();
  const read = (lq: ListQuery) => deps.store.listTickets(lq);
  const out = new Map<string, Ticket>();
  let budget = LIST_READ_BOUND;
  let reads = 0;
  let queries = 0;
  let done = false;
  // A contact's tickets are few: read them whole and order them in memory (any sort); a contact
  // with more than CONTACT_INLINE_MAX is read through the sort's own index, the contact a filter.
  let inline: Ticket[] | undefined;
  if (readsContactInline(q)) {
    const r = await read({ index: 'byContact', partition: partitions.contact(q.filter.contactId!), descending: true, filter: {}, limit: CONTACT_INLINE_MAX });
    budget -= r.read;
    reads += r.read;
    queries++;
    if (r.last === undefined) inline = r.tickets;
  }
  for (;;) {
    const plan = planPhase(q, at.phase, at.pos, now);
    if (!inline && budget < plan.partitions.length) break; // no room left for this phase on this page
    const want = input.limit - out.size;
    const r = inline ? { ...inlinePage(inline, plan, want), read: 0, queries: 0 } : await readPage(read, plan, want, budget);
    budget -= r.read;
    reads += r.read;
    queries += r.queries;
    for (const t of r.tickets) out.set(t.id, t);
    if (r.position !== undefined) {
      at = { phase: at.phase, pos: r.position };
      break;
    }
    if (q.sort === 'slaDueAt' && at.phase === 0) {
      at = { phase: 1, pos: undefined }; // then the tickets without an active SLA, latest activity first
      if (out.size < input.limit) continue;
      break;
    }
    // Sync resumes after the last ticket it returned, or where it started when nothing settled yet.
    const last = [...out.values()].at(-1);
    if (isSync(q)) at = { phase: 0, pos: last ? (plan.sortKey(last) ?? at.pos) : (at.pos ?? q.filter.updatedSince) };
    else done = true;
    break;
  }
  return { tickets: [...out.values()], ...(done ? {} : { nextCursor: sealListCursor(fingerprint, at, key) }), read: reads, queries };
}

export async function replyToTicket(
  deps: CoreDeps,
  ticketId: string,
  input: { text: string; author?: string | undefined },
  actor: Actor,
  idempotencyKey: string | undefined,
  ifVersion?: number,
): Promise<{ message: Message; replayed: boolean }> {
  const idemKey = idempotencyKey ? `${ticketId}#${idempotencyKey}` : undefined;
  const requestHash = createHash('sha256').update(JSON.stringify([input.text, input.author ?? null])).digest('hex');
  for (let attempt = 1; ; attempt++) {
    if (idemKey) {
      const prior = await deps.store.getIdempotentResult(idemKey);
      if (prior) {
        // The same key means the same request: a different body is the caller's mistake, not a replay.
        if (prior.requestHash !== undefined && prior.requestHash !== requestHash) {
          throw new ClientError(
            422,
            'idempotency_key_reused',
            'This Idempotency-Key was already used for a different reply on this ticket; use a new key for a new reply.',
          );
        }
        return replay(deps, ticketId, prior.messageId);
      }
    }
    const ticket = await getTicketOr404(deps, ticketId);
    checkVersion(ticket, ifVersion);
    const plan = planReply(ticket, input, actor, deps.ids.newId(), deps.ids.token(), actionContext(deps));
    // After planReply's closed/erased refusals. Loaded for voice tickets only (it needs the phone-number library).
    if (ticket.channel === 'voice') await (await import('./voice-replies.ts')).checkVoiceReply(deps, ticket, actor);
    try {
      await deps.store.appendMessage({
        ticket: plan.ticket,
        expectedVersion: ticket.version,
        message: plan.message,
        ...(idemKey ? { idempotency: { key: idemKey, requestHash } } : {}),
        change: plan.change,
      });
    } catch (e) {
      if (e instanceof ConflictError && ifVersion !== undefined) throw staleVersion();
      // A lost race, or the same Idempotency-Key winning concurrently (the next round replays it).
      if (await lostRace(e, attempt, (x) => x instanceof ConflictError || x instanceof DuplicateError)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    await deps.jobs.enqueue([{ job: { kind: 'deliver', ticketId, messageId: plan.message.id, createdAt: plan.message.createdAt }, delaySeconds: 0 }, ...plan.jobs]);
    return { message: plan.message, replayed: false };
  }
}

/** An If-Match that names another version than the stored one: 412. */
function checkVersion(ticket: Ticket, ifVersion: number | undefined): void {
  if (ifVersion !== undefined && ticket.version !== ifVersion) {
    throw new ClientError(412, 'version_mismatch', `The ticket is at version ${ticket.version}, not ${ifVersion}; read it again.`);
  }
}

const staleVersion = () => new ClientError(412, 'version_mismatch', 'The ticket changed; read it again.');

/** What the agent-action planners need from the deps. */
export const actionContext = (deps: CoreDeps) => ({ now: deps.clock.now(), newId: () => deps.ids.newId(), settings: deps.settings });

/** A repeated Idempotency-Key: answer with the first reply, re-queueing its delivery if it never left. */
async function replay(deps: CoreDeps, ticketId: string, messageId: string): Promise<{ message: Message; replayed: boolean }> {
  const messages = await deps.store.getMessages(ticketId);
  const message = messages.find((m) => m.id === messageId);
  if (!message) throw new Error(`idempotency record points at missing message ${messageId}`);
  if (message.deliveryStatus === 'queued') {
    await deps.jobs.enqueue([{ job: { kind: 'deliver', ticketId, messageId, createdAt: message.createdAt }, delaySeconds: 0 }]);
  }
  return { message, replayed: true };
}

export async function addNote(deps: CoreDeps, ticketId: string, input: { text: string; author?: string | undefined }, actor: Actor, ifVersion?: number): Promise<Message> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await getTicketOr404(deps, ticketId);
    checkVersion(ticket, ifVersion);
    const plan = planNote(ticket, input, actor, deps.ids.newId(), actionContext(deps));
    try {
      await deps.store.appendMessage({ ticket: plan.ticket, expectedVersion: ticket.version, message: plan.message, change: plan.change });
    } catch (e) {
      if (e instanceof ConflictError && ifVersion !== undefined) throw staleVersion();
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    await deps.jobs.enqueue(plan.jobs);
    return plan.message;
  }
}

export async function patchTicket(deps: CoreDeps, ticketId: string, patch: TicketPatch, actor: Actor, ifVersion?: number): Promise<Ticket> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await getTicketOr404(deps, ticketId);
    checkVersion(ticket, ifVersion);
    const plan = planPatch(ticket, patch, actor, actionContext(deps));
    if (plan.change.events.length === 0) return ticket; // nothing changed: no write, no new version
    try {
      await deps.store.updateTicket(plan.ticket, ticket.version, plan.change);
    } catch (e) {
      if (ifVersion === undefined && (await lostRace(e, attempt))) continue;
      if (e instanceof ConflictError) throw staleVersion();
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    await deps.jobs.enqueue(plan.jobs);
    return plan.ticket;
  }
}

const EVENT_KEY = /^EVT#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[0-9A-HJKMNP-TV-Z]{26}$/;

/** A ticket's events, oldest first, one page at a time (the cursor is opaque, signed and bound to the ticket). */
export async function listTicketEvents(deps: CoreDeps, ticketId: string, limit: number, cursor: string | undefined): Promise<{ events: TicketEvent[]; nextCursor: string | null }> {
  await getTicketOr404(deps, ticketId);
  let after: string | undefined;
  if (cursor) {
    const payload = openCursor(cursor, deps.settings.cursorKey);
    const sep = payload?.indexOf('|') ?? -1;
    if (!payload || sep < 0 || payload.slice(0, sep) !== ticketId || !EVENT_KEY.test(payload.slice(sep + 1))) {
      throw new ClientError(400, 'invalid_cursor', 'The cursor is not one this endpoint gave for this ticket.');
    }
    after = payload.slice(sep + 1);
  }
  const page = await deps.store.listEvents(ticketId, limit, after);
  return { events: page.events, nextCursor: page.last ? sealCursor(`${ticketId}|${page.last}`, deps.settings.cursorKey) : null };
}
