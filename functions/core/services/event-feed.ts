/**
 * GET /v1/events: one page of the change feed (core/event-feed.ts), oldest first, from a cursor or a
 * start time, up to the settle cutoff. Reads are bounded: at most `limit` events examined and
 * FEED.maxRoundsPerPage rounds of shard Queries per page; an idle stretch of hours is crossed a
 * bounded number of hours per page, and the cursor continues where the page stopped.
 */
import { ClientError } from '../errors.ts';
import { bucketEnd, bucketOf, FEED, openFeedCursor, readBucket, sealFeedCursor } from '../event-feed.ts';
import type { CoreDeps } from '../ports.ts';
import type { TicketEvent, TicketEventType } from '../ticket-events.ts';

export interface FeedInput {
  /** A cursor from an earlier page. */
  readonly after?: string | undefined;
  /** ISO time to start at (first call only): events recorded at or after it. */
  readonly since?: string | undefined;
  /** Only these types (a page may then hold fewer than `limit` and still continue). */
  readonly types?: readonly TicketEventType[] | undefined;
  readonly limit: number;
}

export interface FeedPage {
  readonly events: TicketEvent[];
  /** Always present: the feed has no end. */
  readonly nextCursor: string;
  /** The page reached the settle cutoff: nothing more to read until later events settle. */
  readonly caughtUp: boolean;
}

export async function readEventFeed(deps: CoreDeps, input: FeedInput): Promise<FeedPage> {
  if (input.after !== undefined && input.since !== undefined) {
    throw new ClientError(400, 'invalid_query', 'Pass either `after` (a cursor) or `since` (a first call), not both.');
  }
  const now = deps.clock.now().getTime();
  const cutoff = new Date(now - FEED.settleMs).toISOString();
  let position: string;
  if (input.after !== undefined) {
    position = openFeedCursor(input.after, deps.settings.cursorKey);
  } else {
    const since = input.since !== undefined ? Date.parse(input.since) : now - FEED.defaultLookbackMs;
    if (since > now) throw new ClientError(400, 'invalid_query', '`since` is in the future.');
    position = new Date(since).toISOString();
  }
  const types = input.types?.length ? new Set<string>(input.types) : undefined;
  const events: TicketEvent[] = [];
  let examined = 0;
  let rounds = 0;
  // A position at or past the cutoff (its time part) has nothing settled after it yet.
  while (examined < input.limit && rounds < FEED.maxRoundsPerPage && position.slice(0, 24) < cutoff) {
    const bucket = bucketOf(position);
    const end = bucketEnd(bucket);
    const before = end < cutoff ? end : cutoff;
    const page = await readBucket((q) => deps.store.readEventFeed(q), bucket, position, before, input.limit - examined);
    rounds++;
    examined += page.items.length;
    for (const item of page.items) if (!types || types.has(item.event.type)) events.push(item.event);
    position = page.position;
  }
  return { events, nextCursor: sealFeedCursor(position, deps.settings.cursorKey), caughtUp: position.slice(0, 24) >= cutoff };
}
