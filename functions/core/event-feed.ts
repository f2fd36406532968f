/**
 * The change feed (GET /v1/events): every ticket's events in one stream, read from the `byEventTime`
 * index. Pure: the index keys of an event, the hour buckets, the cursor, and the bounded merge of one
 * bucket's shards (the partition reads are a function passed in).
 *
 * Index: partition `EVTFEED#<yyyy-mm-ddThh>#<shard>` (the hour of the event's id, shard of its
 * ticket), sort key `<iso time of the id>#<id>`. Event ids are ULIDs made just before the
 * transaction that writes the event commits, so the id's time is the commit time within the
 * store's retry budget; unlike `at` (a breach's due time, a provider's delivery time, a parked
 * message's receipt time), it never lags the commit by minutes. Only events whose id time is older
 * than FEED.settleMs are served (the ticket sync's settle window), so a cursor never passes an event
 * that has not landed yet.
 */
import { decodeTime } from 'ulid';
import { TABLE } from '../spec.ts';
import { ClientError } from './errors.ts';
import { openCursor, sealCursor, shardOf } from './listing.ts';
import type { TicketEvent, TicketEventType } from './ticket-events.ts';
import type { Channel } from './types.ts';

/** Every event type, at run time (the compile-time check below keeps it complete). */
export const EVENT_TYPES = [
  'message.received',
  'reply.queued',
  'reply.sent',
  'reply.delivered',
  'reply.read',
  'reply.failed',
  'note.added',
  'automated.queued',
  'automated.sent',
  'automated.failed',
  'status.changed',
  'ticket.reopened',
  'priority.changed',
  'assignee.changed',
  'tags.changed',
  'sla.policy',
  'sla.warning',
  'sla.breached',
  'sla.fulfilled',
  'contact.merged',
  'contact.erased',
  'survey.requested',
  'survey.rated',
  'reminder.requested',
  'callback.requested',
  'contact.opted_out',
  'contact.opted_in',
  'rule.applied',
  'assignment.skipped',
] as const satisfies readonly TicketEventType[];
type MissingType = Exclude<TicketEventType, (typeof EVENT_TYPES)[number]>;
const complete: [MissingType] extends [never] ? true : MissingType = true;
void complete;

export const FEED = {
  index: 'byEventTime',
  shards: TABLE.statusShards,
  /** Events younger than this are not served yet (see the module comment). */
  settleMs: 10_000,
  /** Without `after` or `since`, the feed starts this long ago. */
  defaultLookbackMs: 24 * 3600_000,
  /** Rounds of shard reads one page may take (a round is one Query per shard of one hour). */
  maxRoundsPerPage: 48,
  defaultLimit: 100,
  maxLimit: 500,
} as const;

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** A feed position: a bare time (everything before it was read) or an index sort key (exclusive). */
const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(#[0-9A-HJKMNP-TV-Z]{26})?$/;

/** When the event was recorded: its ULID's time (its `at` for an id that is not a ULID). */
export function feedTime(e: Pick<TicketEvent, 'id' | 'at'>): string {
  if (ULID_RE.test(e.id)) {
    try {
      return new Date(decodeTime(e.id)).toISOString();
    } catch {
      // not a ULID after all
    }
  }
  return new Date(e.at).toISOString();
}

/** `yyyy-mm-ddThh` of an ISO time or a position. */
export const bucketOf = (iso: string): string => iso.slice(0, 13);
export const feedPartition = (bucket: string, shard: number): string => `EVTFEED#${bucket}#${shard}`;
/** The first instant after the bucket (a bare time: sorts before every key of that instant). */
export const bucketEnd = (bucket: string): string => new Date(Date.parse(`${bucket}:00:00.000Z`) + 3600_000).toISOString();

/** The event's place in the byEventTime index. */
export function feedKeys(e: Pick<TicketEvent, 'id' | 'at' | 'ticketId'>): { pk: string; sk: string } {
  const t = feedTime(e);
  return { pk: feedPartition(bucketOf(t), shardOf(e.ticketId, FEED.shards)), sk: `${t}#${e.id}` };
}

export const isFeedPosition = (p: string): boolean => POSITION.test(p);

export const sealFeedCursor = (position: string, key: string): string => sealCursor(JSON.stringify({ k: 'feed', p: position }), key);

/** The position a feed cursor holds: 400 unless this API issued it as a feed cursor. */
export function openFeedCursor(cursor: string, key: string): string {
  const payload = openCursor(cursor, key);
  let body: { k?: unknown; p?: unknown } | undefined;
  try {
    body = payload === undefined ? undefined : (JSON.parse(payload) as typeof body);
  } catch {
    body = undefined;
  }
  if (!body || body.k !== 'feed' || typeof body.p !== 'string' || !isFeedPosition(body.p)) {
    throw new ClientError(400, 'invalid_cursor', 'The cursor is not one GET /v1/events issued; start again with `since`.');
  }
  return body.p;
}

/** One event as the index holds it; `channel` when the writer knew the ticket's channel. */
export interface FeedItem {
  readonly key: string;
  readonly event: TicketEvent;
  readonly channel?: Channel;
}

/** One Query on one feed partition: keys strictly between `after` and `before`, in order. */
export interface FeedQuery {
  readonly partition: string;
  readonly after: string;
  readonly before: string;
  readonly limit: number;
}

export interface FeedRead {
  readonly items: FeedItem[];
  /** The last key evaluated when the partition may hold more. */
  readonly last?: string;
}

export interface BucketPage {
  readonly items: FeedItem[];
  /** Resume here (exclusive): everything up to it in this bucket was returned. */
  readonly position: string;
  /** Queries made. */
  readonly queries: number;
}

/**
 * Read up to `need` events of one hour bucket after `after` and before `before` (both within or at
 * the bucket's edges), merging its shards. Each shard is read with Limit `need`; only keys up to the
 * smallest last key of the shards that have more are certain to be complete, so the page stops
 * there. The position is the last returned key when the page is full, else that frontier, else
 * `before` (the bucket is done up to it).
 */
export async function readBucket(read: (q: FeedQuery) => Promise<FeedRead>, bucket: string, after: string, before: string, need: number): Promise<BucketPage> {
  const reads = await Promise.all(
    Array.from({ length: FEED.shards }, (_, shard) => read({ partition: feedPartition(bucket, shard), after, before, limit: need })),
  );
  const lasts = reads.flatMap((r) => (r.last !== undefined ? [r.last] : []));
  const frontier = lasts.length ? lasts.reduce((a, b) => (a < b ? a : b)) : undefined;
  const sorted = reads.flatMap((r) => r.items).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const safe = frontier === undefined ? sorted : sorted.filter((i) => i.key <= frontier);
  if (safe.length > need) {
    const items = safe.slice(0, need);
    return { items, position: items.at(-1)!.key, queries: reads.length };
  }
  return { items: safe, position: frontier ?? before, queries: reads.length };
}
