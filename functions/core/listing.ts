/** Sharded index keys, opaque cursors and the k-way merge behind ticket lists. Pure. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TABLE } from '../spec.ts';
import { ClientError } from './errors.ts';
import type { Channel, Ticket, TicketStatus } from './types.ts';

/** Stable shard of a ticket id for the status/channel indexes. */
export function shardOf(ticketId: string, shards: number = TABLE.statusShards): number {
  let h = 0x811c9dc5; // FNV-1a 32
  for (let i = 0; i < ticketId.length; i++) {
    h ^= ticketId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

export const activitySortKey = (t: Pick<Ticket, 'lastMessageAt' | 'id'>): string => `${t.lastMessageAt}#${t.id}`;
export const statusPartition = (status: TicketStatus, shard: number): string => `STATUS#${status}#${shard}`;
export const channelPartition = (channel: Channel, status: TicketStatus, shard: number): string =>
  `CHANNEL#${channel}#${status}#${shard}`;

interface CursorBody {
  readonly b: string;
  readonly f: string;
}

const filterFingerprint = (filters: Record<string, unknown>): string =>
  createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);

export function encodeCursor(before: string, filters: Record<string, unknown>): string {
  const body: CursorBody = { b: before, f: filterFingerprint(filters) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Decode a cursor; it must come from a list with the same filters. */
export function decodeCursor(cursor: string, filters: Record<string, unknown>): string {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ClientError(400, 'invalid_cursor', 'The cursor is not one this API issued.');
  }
  const b = (body as Partial<CursorBody> | null)?.b;
  const f = (body as Partial<CursorBody> | null)?.f;
  if (typeof b !== 'string' || typeof f !== 'string' || b.length === 0 || b.length > 200) {
    throw new ClientError(400, 'invalid_cursor', 'The cursor is not one this API issued.');
  }
  if (f !== filterFingerprint(filters)) {
    throw new ClientError(400, 'invalid_cursor', 'The cursor belongs to a list with other filters.');
  }
  return b;
}

/**
 * Merge per-partition pages (each sorted newest first) into one page of `limit`.
 * `more` is true when any partition may hold further items or the merge left some out.
 */
export function mergePages(
  pages: ReadonlyArray<{ readonly items: readonly Ticket[]; readonly more: boolean }>,
  limit: number,
): { tickets: Ticket[]; more: boolean } {
  const all = pages.flatMap((p) => p.items);
  all.sort((a, b) => (activitySortKey(a) < activitySortKey(b) ? 1 : activitySortKey(a) > activitySortKey(b) ? -1 : 0));
  const tickets = all.slice(0, limit);
  const more = all.length > limit || pages.some((p) => p.more);
  return { tickets, more };
}

/** A tamper-evident cursor: base64url(payload).base64url(HMAC-SHA256(key, payload)[0..16]). */
export function sealCursor(payload: string, key: string): string {
  const body = Buffer.from(payload, 'utf8').toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest().subarray(0, 16).toString('base64url')}`;
}

/** The payload of a cursor sealCursor made with this key, or undefined for anything else. */
export function openCursor(cursor: string, key: string): string | undefined {
  const dot = cursor.indexOf('.');
  if (dot < 1 || cursor.length > 2048) return undefined;
  const body = cursor.slice(0, dot);
  const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', key).update(body).digest().subarray(0, 16);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
  return Buffer.from(body, 'base64url').toString('utf8');
}
