/**
 * The ticket store as one API caller sees it. The api dispatcher hands each route this view, so the
 * routes and services need not repeat the checks:
 * - a key restricted to some channels finds no ticket of another channel: `getTicket` answers
 *   "not found" (the route's usual 404), and so do that ticket's messages, events, idempotency
 *   records and the report partitions of other channels; lists drop other channels' tickets;
 * - every change an API call writes records the key in its events (`via: "api:<key name>"`), next
 *   to the actor (`agent:<author>` when the body names one, else `api:<key name>`).
 * A ticket's channel never changes, so whether the caller may see a ticket id is remembered for the
 * request (the ticket itself is always read afresh). Pure: wraps a port, no I/O of its own.
 */
import { canSeeChannel, type Principal } from './auth.ts';
import { ClientError } from './errors.ts';
import type { ChangeRecord, ListQuery, TicketStore } from './ports.ts';
import type { FeedQuery, FeedRead } from './event-feed.ts';
import type { TicketEvent } from './ticket-events.ts';
import type { Channel, Ticket } from './types.ts';

/** The store for one authenticated API request. */
export function storeFor(store: TicketStore, principal: Principal): TicketStore {
  return new ScopedTicketStore(store, principal);
}

/** Stamp each event of a change with the API key it came through (an event already stamped keeps its own). */
export function stampVia(change: ChangeRecord, keyName: string): ChangeRecord {
  const via = `api:${keyName}` as const;
  return { ...change, events: change.events.map((e): TicketEvent => (e.via ? e : { ...e, via })) };
}

const STATS_CHANNEL = /^STATS#(?:channel|cp|survey)#([a-z]+)(?:#|$)/;

class ScopedTicketStore implements TicketStore {
  readonly #store: TicketStore;
  readonly #p: Principal;
  /** Ticket id → may the caller see it (channels are immutable). */
  readonly #visible = new Map<string, boolean>();

  constructor(store: TicketStore, principal: Principal) {
    this.#store = store;
    this.#p = principal;
  }

  #sees(channel: Channel): boolean {
    return canSeeChannel(this.#p, channel);
  }

  async #canSee(ticketId: string): Promise<boolean> {
    if (!this.#p.channels) return true;
    const known = this.#visible.get(ticketId);
    if (known !== undefined) return known;
    const t = await this.#store.getTicket(ticketId);
    const ok = !!t && this.#sees(t.channel);
    this.#visible.set(ticketId, ok);
    return ok;
  }

  /** A write for a ticket the caller cannot see: the same 404 as a missing ticket (unreachable through getTicket). */
  #guardWrite(ticket: Pick<Ticket, 'id' | 'channel'>): void {
    if (!this.#sees(ticket.channel)) throw new ClientError(404, 'not_found', `No ticket with id "${ticket.id}".`);
  }

  #stamp(change: ChangeRecord): ChangeRecord {
    return stampVia(change, this.#p.name);
  }

  // Webhook and worker operations: never reached by the API, passed through.
  getIngestContext: TicketStore['getIngestContext'] = (msg, dedupeKey) => this.#store.getIngestContext(msg, dedupeKey);
  commitIngest: TicketStore['commitIngest'] = (write) => this.#store.commitIngest(write);
  markFollowUpsEnqueued: TicketStore['markFollowUpsEnqueued'] = (key) => this.#store.markFollowUpsEnqueued(key);
  applyDeliveryStatus: TicketStore['applyDeliveryStatus'] = (update, eventId, now) => this.#store.applyDeliveryStatus(update, eventId, now);
  applyEdit: TicketStore['applyEdit'] = (edit, now) => this.#store.applyEdit(edit, now);
  claimSend: TicketStore['claimSend'] = (ticketId, createdAt, messageId) => this.#store.claimSend(ticketId, createdAt, messageId);
  claimNonce: TicketStore['claimNonce'] = (scope, value, ttl, binding) => this.#store.claimNonce(scope, value, ttl, binding);
  consumeRateLimit: TicketStore['consumeRateLimit'] = (key, windowStart, windowSeconds, limit) => this.#store.consumeRateLimit(key, windowStart, windowSeconds, limit);
  getContact: TicketStore['getContact'] = (id) => this.#store.getContact(id);
  isOptedOut: TicketStore['isOptedOut'] = (channel, address) => this.#store.isOptedOut(channel, address);
  setOptOut: TicketStore['setOptOut'] = (o, tc) => (this.#guardWrite(tc.ticket), this.#store.setOptOut(o, { ...tc, change: this.#stamp(tc.change) }));
  /** Only the channels the caller sees. */
  getOptOuts: TicketStore['getOptOuts'] = (addresses) => this.#store.getOptOuts(addresses.filter((a) => this.#sees(a.channel)));

  async getTicket(id: string): Promise<Ticket | undefined> {
    const t = await this.#store.getTicket(id);
    if (!t) return undefined;
    const ok = this.#sees(t.channel);
    this.#visible.set(id, ok);
    return ok ? t : undefined;
  }

  async getMessages(ticketId: string) {
    return (await this.#canSee(ticketId)) ? this.#store.getMessages(ticketId) : [];
  }

  async getMessage(ticketId: string, messageId: string, createdAt: string) {
    return (await this.#canSee(ticketId)) ? this.#store.getMessage(ticketId, messageId, createdAt) : undefined;
  }

  async listTickets(q: ListQuery) {
    // The list service already filters by the caller's channels (ListInput.allowedChannels); this is a second guard.
    const page = await this.#store.listTickets(q);
    return this.#p.channels ? { ...page, tickets: page.tickets.filter((t) => this.#sees(t.channel)) } : page;
  }

  async listTicketsByContact(contactId: string, limit: number) {
    const tickets = await this.#store.listTicketsByContact(contactId, limit);
    return this.#p.channels ? tickets.filter((t) => this.#sees(t.channel)) : tickets;
  }

  async listEvents(ticketId: string, limit: number, after?: string) {
    return (await this.#canSee(ticketId)) ? this.#store.listEvents(ticketId, limit, after) : { events: [] };
  }

  /** Feed items of channels the caller cannot see are dropped (by the item's channel, else its ticket's). */
  async readEventFeed(q: FeedQuery): Promise<FeedRead> {
    const read = await this.#store.readEventFeed(q);
    if (!this.#p.channels) return read;
    const unknown = [...new Set(read.items.filter((i) => !i.channel).map((i) => i.event.ticketId))];
    await Promise.all(unknown.map((id) => this.#canSee(id))); // one read per ticket, remembered
    return { ...read, items: read.items.filter((i) => (i.channel ? this.#sees(i.channel) : this.#visible.get(i.event.ticketId) === true)) };
  }

  async getIdempotentResult(key: string) {
    const r = await this.#store.getIdempotentResult(key);
    return r && (await this.#canSee(r.ticketId)) ? r : undefined;
  }

  /** Report partitions of channels the caller cannot see, and the all-channel priority partitions, read as empty. */
  async queryStats(pk: string, fromDay: string, toDay: string) {
    if (this.#p.channels) {
      const channel = STATS_CHANNEL.exec(pk)?.[1];
      if (!channel || !this.#sees(channel as Channel)) return [];
    }
    return this.#store.queryStats(pk, fromDay, toDay);
  }

  appendMessage: TicketStore['appendMessage'] = async (args) => {
    this.#guardWrite(args.ticket);
    return this.#store.appendMessage({ ...args, change: this.#stamp(args.change) });
  };

  updateTicket: TicketStore['updateTicket'] = async (ticket, expectedVersion, change) => {
    this.#guardWrite(ticket);
    return this.#store.updateTicket(ticket, expectedVersion, this.#stamp(change));
  };

  updateMessageDelivery: TicketStore['updateMessageDelivery'] = async (ticket, messageId, createdAt, update, ticketChange) => {
    this.#guardWrite(ticketChange.ticket);
    return this.#store.updateMessageDelivery(ticket, messageId, createdAt, update, { ...ticketChange, change: this.#stamp(ticketChange.change) });
  };
}
