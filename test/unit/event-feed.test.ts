import { monotonicFactory, ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../functions/core/errors.ts';
import { bucketEnd, bucketOf, FEED, feedKeys, feedTime, openFeedCursor, readBucket, sealFeedCursor, type FeedItem, type FeedQuery, type FeedRead } from '../../functions/core/event-feed.ts';
import { sealCursor, shardOf } from '../../functions/core/listing.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { readEventFeed } from '../../functions/core/services/event-feed.ts';
import type { TicketEvent } from '../../functions/core/ticket-events.ts';

const KEY = 'cursor-key-0123456789';

/** The byEventTime index in memory: partitions of sorted items, read like DynamoDB (Limit, LastEvaluatedKey). */
class MemoryFeed {
  readonly parts = new Map<string, FeedItem[]>();
  queries = 0;
  add(e: TicketEvent): void {
    const k = feedKeys(e);
    const list = this.parts.get(k.pk) ?? [];
    list.push({ key: k.sk, event: e });
    list.sort((a, b) => (a.key < b.key ? -1 : 1));
    this.parts.set(k.pk, list);
  }
  read = async (q: FeedQuery): Promise<FeedRead> => {
    this.queries++;
    const inRange = (this.parts.get(q.partition) ?? []).filter((i) => i.key > q.after && i.key < q.before);
    const items = inRange.slice(0, q.limit);
    return { items, ...(inRange.length > q.limit ? { last: items.at(-1)!.key } : {}) };
  };
}

const event = (id: string, ticketId: string, type: TicketEvent['type'] = 'status.changed'): TicketEvent =>
  ({ id, ticketId, at: '2020-01-01T00:00:00.000Z', actor: 'automation', type, from: 'open', to: 'pending' }) as TicketEvent;

function depsFor(feed: MemoryFeed, now: () => number): CoreDeps {
  return { store: { readEventFeed: feed.read }, clock: { now: () => new Date(now()) }, settings: { cursorKey: KEY } } as unknown as CoreDeps;
}

describe('feed keys', () => {
  it('place an event by the time of its ULID, in its ticket’s shard, whatever its `at`', () => {
    const t = Date.parse('2026-11-25T05:59:59.999Z');
    const id = ulid(t);
    const k = feedKeys(event(id, 'T1'));
    expect(feedTime(event(id, 'T1'))).toBe('2026-11-25T05:59:59.999Z');
    expect(k).toEqual({ pk: `EVTFEED#2026-11-25T05#${shardOf('T1')}`, sk: `2026-11-25T05:59:59.999Z#${id}` });
  });

  it('bucket math: an hour ends at the next hour, across a day and a year', () => {
    expect(bucketOf('2026-11-25T05:00:00.000Z#X')).toBe('2026-11-25T05');
    expect(bucketEnd('2026-11-25T05')).toBe('2026-11-25T06:00:00.000Z');
    expect(bucketEnd('2026-12-31T23')).toBe('2027-01-01T00:00:00.000Z');
    // A bare bucket end sorts after every key of the hour and before every key of the next.
    expect(`2026-11-25T05:59:59.999Z#${ulid()}` < bucketEnd('2026-11-25T05')).toBe(true);
    expect(bucketEnd('2026-11-25T05') < `2026-11-25T06:00:00.000Z#${ulid()}`).toBe(true);
  });
});

describe('readBucket (shard merge)', () => {
  it('returns a bucket’s events in key order across shards, never past a truncated shard’s frontier', async () => {
    const feed = new MemoryFeed();
    const next = monotonicFactory();
    const base = Date.parse('2026-11-25T05:00:00.000Z');
    const all: TicketEvent[] = [];
    for (let i = 0; i < 40; i++) {
      const e = event(next(base + i * 1000), `TICKET${i % 7}`);
      all.push(e);
      feed.add(e);
    }
    const got: string[] = [];
    let pos = '2026-11-25T05:00:00.000Z';
    for (let page = 0; page < 40 && pos < bucketEnd('2026-11-25T05'); page++) {
      const r = await readBucket(feed.read, '2026-11-25T05', pos, bucketEnd('2026-11-25T05'), 6);
      expect(r.items.length).toBeLessThanOrEqual(6);
      got.push(...r.items.map((i) => i.event.id));
      expect(r.position > pos).toBe(true);
      pos = r.position;
    }
    expect(got).toEqual(all.map((e) => e.id));
  });
});

describe('readEventFeed', () => {
  it('walks every settled event exactly once, in order, while events keep arriving', async () => {
    const feed = new MemoryFeed();
    let now = Date.parse('2026-11-25T05:30:00.000Z');
    const next = monotonicFactory();
    const written: TicketEvent[] = [];
    const write = (n: number) => {
      for (let i = 0; i < n; i++) {
        now += 700; // the hour boundary is crossed on the way
        const e = event(next(now), `TICKET${written.length % 5}`, written.length % 3 ? 'status.changed' : 'note.added');
        written.push(e);
        feed.add(e);
      }
    };
    write(30);
    const deps = depsFor(feed, () => now);
    const seen: string[] = [];
    let page = await readEventFeed(deps, { since: '2026-11-25T05:00:00.000Z', limit: 7 });
    for (let i = 0; i < 500; i++) {
      seen.push(...page.events.map((e) => e.id));
      if (i < 400 && i % 3 === 0) write(4); // concurrent writers
      if (i === 400) now += FEED.settleMs + 1; // stop writing, let the rest settle
      if (i > 400 && page.caughtUp) break;
      page = await readEventFeed(deps, { after: page.nextCursor, limit: 7 });
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(written.map((e) => e.id));
  });

  it('serves only events older than the settle window, and says when it caught up', async () => {
    const feed = new MemoryFeed();
    const now = Date.parse('2026-11-25T05:30:00.000Z');
    const old = event(ulid(now - FEED.settleMs - 1), 'A');
    const fresh = event(ulid(now - FEED.settleMs + 1), 'B');
    feed.add(old);
    feed.add(fresh);
    const page = await readEventFeed(depsFor(feed, () => now), { since: '2026-11-25T05:00:00.000Z', limit: 10 });
    expect(page.events.map((e) => e.id)).toEqual([old.id]);
    expect(page.caughtUp).toBe(true);
    const later = await readEventFeed(depsFor(feed, () => now + FEED.settleMs), { after: page.nextCursor, limit: 10 });
    expect(later.events.map((e) => e.id)).toEqual([fresh.id]);
  });

  it('filters by type without losing its place', async () => {
    const feed = new MemoryFeed();
    const now = Date.parse('2026-11-25T05:30:00.000Z');
    const next = monotonicFactory();
    const evs = Array.from({ length: 10 }, (_, i) => event(next(now - 60_000 + i), `T${i}`, i % 2 ? 'note.added' : 'status.changed'));
    evs.forEach((e) => feed.add(e));
    const deps = depsFor(feed, () => now);
    const first = await readEventFeed(deps, { since: '2026-11-25T05:00:00.000Z', types: ['note.added'], limit: 4 });
    const second = await readEventFeed(deps, { after: first.nextCursor, types: ['note.added'], limit: 100 });
    expect([...first.events, ...second.events].map((e) => e.id)).toEqual(evs.filter((e) => e.type === 'note.added').map((e) => e.id));
  });

  it('crosses idle hours a bounded number per page and continues with a cursor', async () => {
    const feed = new MemoryFeed();
    const now = Date.parse('2026-11-25T05:30:00.000Z');
    const e = event(ulid(now - 60_000), 'A');
    feed.add(e);
    const deps = depsFor(feed, () => now);
    let page = await readEventFeed(deps, { since: '2026-11-20T00:00:00.000Z', limit: 100 });
    expect(feed.queries).toBe(FEED.maxRoundsPerPage * FEED.shards);
    expect(page.events).toEqual([]);
    expect(page.caughtUp).toBe(false);
    const got: TicketEvent[] = [];
    for (let i = 0; i < 10 && !page.caughtUp; i++) {
      page = await readEventFeed(deps, { after: page.nextCursor, limit: 100 });
      got.push(...page.events);
    }
    expect(got.map((x) => x.id)).toEqual([e.id]);
  });

  it('refuses a tampered cursor, another endpoint’s cursor, and a cursor with since', async () => {
    const feed = new MemoryFeed();
    const deps = depsFor(feed, () => Date.parse('2026-11-25T05:30:00.000Z'));
    const page = await readEventFeed(deps, { limit: 10 });
    const c = page.nextCursor;
    const flipped = `${c.slice(0, 20)}${c[20] === 'A' ? 'B' : 'A'}${c.slice(21)}`;
    const otherKey = sealFeedCursor('2000-01-01T00:00:00.000Z', 'another-deployment-key');
    for (const after of [flipped, c.slice(0, -2), otherKey, 'not a cursor', sealCursor(JSON.stringify({ f: 'x', h: 0, p: null }), KEY), sealCursor('TICKET|EVT#x', KEY), sealCursor(JSON.stringify({ k: 'feed', p: 'nope' }), KEY)]) {
      await expect(readEventFeed(deps, { after, limit: 10 })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
    }
    await expect(readEventFeed(deps, { after: page.nextCursor, since: '2026-11-25T00:00:00.000Z', limit: 10 })).rejects.toBeInstanceOf(ClientError);
    await expect(readEventFeed(deps, { since: '2027-01-01T00:00:00.000Z', limit: 10 })).rejects.toMatchObject({ status: 400 });
    // The same cursor again gives the same page (a retry is safe).
    expect(openFeedCursor(page.nextCursor, KEY)).toBe(openFeedCursor(sealFeedCursor(openFeedCursor(page.nextCursor, KEY), KEY), KEY));
  });
});

describe('the feed through a channel-restricted key', () => {
  it('drops other channels’ events, by the item’s channel or else by its ticket’s (one read per ticket)', async () => {
    const { storeFor } = await import('../../functions/core/scoped-store.ts');
    const gets: string[] = [];
    const items: FeedItem[] = [
      { key: 'a', event: event('E1', 'WA'), channel: 'whatsapp' },
      { key: 'b', event: event('E2', 'SMS'), channel: 'sms' },
      { key: 'c', event: event('E3', 'WA') }, // e.g. a delivery status: no channel on the item
      { key: 'd', event: event('E4', 'SMS') },
      { key: 'e', event: event('E5', 'SMS') },
    ];
    const inner = {
      readEventFeed: async () => ({ items, last: 'e' }),
      getTicket: async (id: string) => (gets.push(id), { id, channel: id === 'WA' ? 'whatsapp' : 'sms' }),
    };
    const view = storeFor(inner as never, { name: 'wa', scopes: new Set(['tickets:read']), channels: ['whatsapp'] });
    const r = await view.readEventFeed({ partition: 'p', after: '', before: 'z', limit: 10 });
    expect(r.items.map((i) => i.event.id)).toEqual(['E1', 'E3']);
    expect(r.last).toBe('e');
    expect(gets.sort()).toEqual(['SMS', 'WA']);
    const all = storeFor(inner as never, { name: 'all', scopes: new Set(['tickets:read']) });
    expect((await all.readEventFeed({ partition: 'p', after: '', before: 'z', limit: 10 })).items).toHaveLength(5);
  });
});
