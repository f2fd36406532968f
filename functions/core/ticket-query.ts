/**
 * The ticket list query: its parameters normalized and fingerprinted (cursors are bound to it),
 * how a ticket enters each list index, and which index and partitions serve a query. Pure.
 *
 * Planning: the sort picks the index family (its sort key), then the most selective filter that
 * family has a partition for picks the index; what the partitions do not encode is a filter applied
 * within the bounded read (core/listing.ts readPage).
 */
import { createHash } from 'node:crypto';
import { TABLE } from '../spec.ts';
import { shardOf } from './listing.ts';
import { CHANNELS, TICKET_STATUSES, type Channel, type Priority, type Ticket, type TicketStatus } from './types.ts';

export const LIST_SORTS = ['-lastMessageAt', 'lastMessageAt', 'createdAt', '-createdAt', 'slaDueAt', 'updatedAt'] as const;
export type ListSort = (typeof LIST_SORTS)[number];

/** Most index items one page reads (evaluated before filters, across every partition and phase). */
export const LIST_READ_BOUND = 500;
/** A contact's tickets are read whole and ordered in memory up to this many (the rest of the bound serves a larger contact). */
export const CONTACT_INLINE_MAX = 200;
/**
 * Sync (`sort=updatedAt`) returns only changes at least this old: a write's `updatedAt` is taken
 * before it commits and the index follows the table within a second, so a change this old has landed.
 */
export const SYNC_SETTLE_MS = 10_000;

export type IndexName = (typeof TABLE.indexes)[number]['name'];

/** What a listed ticket must match. Absent fields do not filter. */
export interface TicketFilter {
  readonly statuses?: readonly TicketStatus[] | undefined;
  readonly channels?: readonly Channel[] | undefined;
  readonly priority?: Priority | undefined;
  /** A name, or null for unassigned. */
  readonly assignee?: string | null | undefined;
  readonly tag?: string | undefined;
  readonly contactId?: string | undefined;
  /** The ticket's language (its first customer message's, core/signals): a code or `und`. */
  readonly language?: string | undefined;
  /** ISO (toISOString form): changed at or after. */
  readonly updatedSince?: string | undefined;
  /** Only tickets without an active SLA (the second phase of `sort=slaDueAt`). */
  readonly noSla?: boolean | undefined;
}

/** The parameters of GET /v1/tickets, validated by the route. */
export interface ListParams {
  readonly status?: readonly TicketStatus[] | undefined;
  readonly channel?: Channel | undefined;
  readonly priority?: Priority | undefined;
  /** A name, or `none` for unassigned. */
  readonly assignee?: string | undefined;
  readonly tag?: string | undefined;
  readonly contactId?: string | undefined;
  readonly language?: string | undefined;
  readonly updatedSince?: string | undefined;
  readonly sort?: ListSort | undefined;
}

export interface NormalizedQuery {
  readonly sort: ListSort;
  /** Statuses and channels are sorted sets, absent when they cover every value. */
  readonly filter: TicketFilter;
}

const ordered = <T extends string>(all: readonly T[], some: readonly T[]): T[] => all.filter((x) => some.includes(x));

/**
 * The query as a canonical filter. `allowed` is the caller's channel restriction: a channel filter
 * outside it is `'empty'` (the page is empty, nothing is read); without a channel filter the
 * restriction becomes one.
 */
export function normalizeQuery(p: ListParams, allowed: readonly Channel[] | undefined): NormalizedQuery | 'empty' {
  const statuses = p.status ? ordered(TICKET_STATUSES, p.status) : [];
  let channels: Channel[] | undefined;
  if (p.channel) {
    if (allowed && !allowed.includes(p.channel)) return 'empty';
    channels = [p.channel];
  } else if (allowed) {
    channels = ordered(CHANNELS, allowed);
    if (channels.length === 0) return 'empty';
    if (channels.length === CHANNELS.length) channels = undefined;
  }
  const filter: TicketFilter = {
    ...(statuses.length && statuses.length < TICKET_STATUSES.length ? { statuses } : {}),
    ...(channels ? { channels } : {}),
    ...(p.priority ? { priority: p.priority } : {}),
    ...(p.assignee !== undefined ? { assignee: p.assignee === 'none' ? null : p.assignee } : {}),
    ...(p.tag !== undefined ? { tag: p.tag } : {}),
    ...(p.contactId ? { contactId: p.contactId } : {}),
    ...(p.language ? { language: p.language } : {}),
    ...(p.updatedSince ? { updatedSince: new Date(p.updatedSince).toISOString() } : {}),
  };
  return { sort: p.sort ?? '-lastMessageAt', filter };
}

/** What a cursor is bound to: the parameters as given and the caller's channel restriction. */
export function queryFingerprint(p: ListParams, allowed: readonly Channel[] | undefined): string {
  const canonical = [
    p.sort ?? '-lastMessageAt',
    p.status ? ordered(TICKET_STATUSES, p.status) : null,
    p.channel ?? null,
    p.priority ?? null,
    p.assignee ?? null,
    p.tag ?? null,
    p.contactId ?? null,
    p.updatedSince ? new Date(p.updatedSince).toISOString() : null,
    allowed ? ordered(CHANNELS, allowed) : null,
    // Appended only when set, so cursors issued before the language filter existed stay valid.
    ...(p.language ? [p.language] : []),
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 22);
}

/** Does the ticket match the filter? (The store's FilterExpression says the same.) */
export function matches(t: Ticket, f: TicketFilter): boolean {
  if (f.statuses && !f.statuses.includes(t.status)) return false;
  if (f.channels && !f.channels.includes(t.channel)) return false;
  if (f.priority && t.priority !== f.priority) return false;
  if (f.assignee !== undefined && (t.assignee ?? null) !== f.assignee) return false;
  if (f.tag !== undefined && !t.tags.includes(f.tag)) return false;
  if (f.contactId && t.contactId !== f.contactId) return false;
  if (f.language && t.language !== f.language) return false;
  if (f.updatedSince && (t.updatedAt ?? t.lastMessageAt) < f.updatedSince) return false;
  if (f.noSla && t.slaDueAt !== undefined) return false;
  return true;
}

/** Index sort keys: `<time>#<id>`, unique per ticket, ordered by time. */
export const sortKeys = {
  activity: (t: Pick<Ticket, 'lastMessageAt' | 'id'>): string => `${t.lastMessageAt}#${t.id}`,
  created: (t: Pick<Ticket, 'createdAt' | 'id'>): string => `${t.createdAt}#${t.id}`,
  updated: (t: Pick<Ticket, 'updatedAt' | 'lastMessageAt' | 'id'>): string => `${t.updatedAt ?? t.lastMessageAt}#${t.id}`,
  sla: (t: Pick<Ticket, 'slaDueAt' | 'id'>): string | undefined => (t.slaDueAt ? `${t.slaDueAt}#${t.id}` : undefined),
};

export const partitions = {
  status: (s: TicketStatus, shard: number) => `STATUS#${s}#${shard}`,
  channel: (c: Channel, s: TicketStatus, shard: number) => `CHANNEL#${c}#${s}#${shard}`,
  contact: (contactId: string) => `CONTACT#${contactId}`,
  /** A name cannot collide with unassigned, whatever it is (`none` included). */
  assignee: (a: string | null, s: TicketStatus, shard: number) => (a === null ? `UNASSIGNED#${s}#${shard}` : `ASSIGNEE#${a}#${s}#${shard}`),
  sla: (s: TicketStatus, shard: number) => `SLA#${s}#${shard}`,
  updated: (shard: number) => `UPDATED#${shard}`,
  created: (s: TicketStatus, shard: number) => `CREATED#${s}#${shard}`,
  activity: (shard: number) => `ACTIVITY#${shard}`,
};

/** Where a ticket sits in each list index (bySlaDue only while it has an active SLA). */
export function ticketIndexKeys(t: Ticket): Partial<Record<IndexName, { pk: string; sk: string }>> {
  const shard = shardOf(t.id);
  const activity = sortKeys.activity(t);
  const sla = sortKeys.sla(t);
  return {
    byStatus: { pk: partitions.status(t.status, shard), sk: activity },
    byChannel: { pk: partitions.channel(t.channel, t.status, shard), sk: activity },
    byContact: { pk: partitions.contact(t.contactId), sk: sortKeys.created(t) },
    byAssignee: { pk: partitions.assignee(t.assignee ?? null, t.status, shard), sk: activity },
    ...(sla ? { bySlaDue: { pk: partitions.sla(t.status, shard), sk: sla } } : {}),
    byUpdated: { pk: partitions.updated(shard), sk: sortKeys.updated(t) },
    byCreated: { pk: partitions.created(t.status, shard), sk: sortKeys.created(t) },
    byActivity: { pk: partitions.activity(shard), sk: activity },
  };
}

/** `sort=slaDueAt` reads in two phases: tickets with an active SLA (nearest due first), then the rest. */
export type Phase = 0 | 1;

/** One phase of a query on one index: partitions read in order and merged. */
export interface PhasePlan {
  readonly index: IndexName;
  readonly partitions: readonly string[];
  readonly descending: boolean;
  /** The index's sort key of a ticket (undefined: not in the index). */
  readonly sortKey: (t: Ticket) => string | undefined;
  /** What the partitions do not encode: applied within the bounded read. */
  readonly filter: TicketFilter;
  /** The whole filter of the phase (for reading a contact's tickets in memory). */
  readonly fullFilter: TicketFilter;
  /** Exclusive bounds on the sort key. */
  readonly after?: string;
  readonly before?: string;
}

const shards = (): number[] => Array.from({ length: TABLE.statusShards }, (_, i) => i);
const allStatuses = (f: TicketFilter): readonly TicketStatus[] => f.statuses ?? TICKET_STATUSES;
const without = (f: TicketFilter, ...keys: Array<keyof TicketFilter>): TicketFilter =>
  Object.fromEntries(Object.entries(f).filter(([k]) => !keys.includes(k as keyof TicketFilter))) as TicketFilter;

/** Sync mode: `sort=updatedAt`, oldest change first, always with a cursor to resume from. */
export const isSync = (q: NormalizedQuery): boolean => q.sort === 'updatedAt';

/** Does this query read a contact's tickets whole (when few) instead of streaming an index? */
export const readsContactInline = (q: NormalizedQuery): boolean => q.filter.contactId !== undefined && q.sort !== 'createdAt' && q.sort !== '-createdAt';

/**
 * The plan for one phase from position `pos` (exclusive; undefined = the start). `now` bounds sync
 * to settled changes.
 */
export function planPhase(q: NormalizedQuery, phase: Phase, pos: string | undefined, now: Date): PhasePlan {
  const f = q.filter;
  const statuses = allStatuses(f);
  const byStatusShard = <T>(make: (s: TicketStatus, shard: number) => T): T[] => statuses.flatMap((s) => shards().map((k) => make(s, k)));
  const desc = (plan: Omit<PhasePlan, 'descending' | 'after' | 'before'>): PhasePlan => ({ ...plan, descending: true, ...(pos !== undefined ? { before: pos } : {}) });
  const asc = (plan: Omit<PhasePlan, 'descending' | 'after' | 'before'>): PhasePlan => ({ ...plan, descending: false, ...(pos !== undefined ? { after: pos } : {}) });

  switch (q.sort) {
    case '-lastMessageAt':
    case 'lastMessageAt': {
      const plan = activityPlan(f, byStatusShard);
      return q.sort === '-lastMessageAt' ? desc(plan) : asc(plan);
    }
    case 'slaDueAt': {
      if (phase === 1) return desc(activityPlan({ ...f, noSla: true }, byStatusShard));
      return asc({ index: 'bySlaDue', partitions: byStatusShard(partitions.sla), sortKey: sortKeys.sla, filter: without(f, 'statuses'), fullFilter: f });
    }
    case 'createdAt':
    case '-createdAt': {
      const plan: Omit<PhasePlan, 'descending' | 'after' | 'before'> = f.contactId
        ? { index: 'byContact', partitions: [partitions.contact(f.contactId)], sortKey: sortKeys.created, filter: without(f, 'contactId'), fullFilter: f }
        : { index: 'byCreated', partitions: byStatusShard(partitions.created), sortKey: sortKeys.created, filter: without(f, 'statuses'), fullFilter: f };
      return q.sort === '-createdAt' ? desc(plan) : asc(plan);
    }
    case 'updatedAt': {
      // Changes at or after updatedSince (a bare time sorts before every `<time>#<id>`), settled ones only.
      const after = pos ?? f.updatedSince;
      return {
        index: 'byUpdated',
        partitions: shards().map(partitions.updated),
        descending: false,
        sortKey: sortKeys.updated,
        filter: without(f, 'updatedSince'),
        fullFilter: f,
        ...(after ? { after } : {}),
        before: new Date(now.getTime() - SYNC_SETTLE_MS).toISOString(),
      };
    }
  }
}

/** Last-activity order: a named assignee, then one channel, then unassigned, then statuses, else every ticket. */
function activityPlan(f: TicketFilter, byStatusShard: <T>(make: (s: TicketStatus, shard: number) => T) => T[]): Omit<PhasePlan, 'descending' | 'after' | 'before'> {
  const base = { sortKey: sortKeys.activity, fullFilter: f };
  const channel = f.channels?.length === 1 ? f.channels[0]! : undefined;
  if (typeof f.assignee === 'string') {
    const a = f.assignee;
    return { ...base, index: 'byAssignee', partitions: byStatusShard((s, k) => partitions.assignee(a, s, k)), filter: without(f, 'assignee', 'statuses') };
  }
  if (channel) return { ...base, index: 'byChannel', partitions: byStatusShard((s, k) => partitions.channel(channel, s, k)), filter: without(f, 'channels', 'statuses') };
  if (f.assignee === null) return { ...base, index: 'byAssignee', partitions: byStatusShard((s, k) => partitions.assignee(null, s, k)), filter: without(f, 'assignee', 'statuses') };
  if (f.statuses) return { ...base, index: 'byStatus', partitions: byStatusShard(partitions.status), filter: without(f, 'statuses') };
  return { ...base, index: 'byActivity', partitions: shards().map(partitions.activity), filter: f };
}

/**
 * One phase evaluated in memory over tickets read whole (a contact's): the same order, bounds and
 * filter as the index would give. `position` is set when more remain.
 */
export function inlinePage(all: readonly Ticket[], plan: PhasePlan, limit: number): { tickets: Ticket[]; position?: string } {
  const keyed: Array<[string, Ticket]> = [];
  for (const t of all) {
    const k = plan.sortKey(t);
    if (k === undefined || !matches(t, plan.fullFilter)) continue;
    if (plan.after !== undefined && !(k > plan.after)) continue;
    if (plan.before !== undefined && !(k < plan.before)) continue;
    keyed.push([k, t]);
  }
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) * (plan.descending ? -1 : 1));
  const page = keyed.slice(0, limit);
  return { tickets: page.map(([, t]) => t), ...(keyed.length > limit ? { position: page.at(-1)![0] } : {}) };
}
