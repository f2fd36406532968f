/**
 * Ticket lists: index shards, signed cursors, and the bounded k-way merge that reads one page from
 * several index partitions. Pure (the partition reads are a function passed in).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TABLE } from '../spec.ts';
import { ClientError } from './errors.ts';
import type { ListQuery, ListRead } from './ports.ts';
import type { Phase, PhasePlan } from './ticket-query.ts';
import type { Ticket } from './types.ts';

/** Stable shard of a ticket id for the sharded list indexes. */
export function shardOf(ticketId: string, shards: number = TABLE.statusShards): number {
  let h = 0x811c9dc5; // FNV-1a 32
  for (let i = 0; i < ticketId.length; i++) {
    h ^= ticketId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/** The AES-256 key of cursors, derived from the deployment's cursor key (cached: one derivation per key). */
const aesKeys = new Map<string, Buffer>();
const aesKey = (key: string): Buffer => {
  let k = aesKeys.get(key);
  if (!k) {
    k = createHash('sha256').update(`cursor-aes-256-gcm|${key}`).digest();
    if (aesKeys.size > 16) aesKeys.clear();
    aesKeys.set(key, k);
  }
  return k;
};

/**
 * An opaque, tamper-evident cursor: base64url(nonce[12] ‖ AES-256-GCM(payload) ‖ tag[16]). Sealed,
 * not only signed: a cursor's position can be an item the caller may not see (a ticket of another
 * channel that a filter dropped), so its payload must not be readable.
 */
export function sealCursor(payload: string, key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey(key), iv);
  const body = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The payload of a cursor sealCursor made with this key, or undefined for anything else. */
export function openCursor(cursor: string, key: string): string | undefined {
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', aesKey(key), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Where a ticket list resumes: the query it belongs to, the phase, the position (exclusive). */
export interface ListPosition {
  readonly phase: Phase;
  readonly pos: string | undefined;
}

export const sealListCursor = (fingerprint: string, at: ListPosition, key: string): string =>
  sealCursor(JSON.stringify({ f: fingerprint, h: at.phase, p: at.pos ?? null }), key);

/** Open a ticket-list cursor: 400 unless this API signed it for this very query. */
export function openListCursor(cursor: string, fingerprint: string, key: string): ListPosition {
  const payload = openCursor(cursor, key);
  let body: { f?: unknown; h?: unknown; p?: unknown } | undefined;
  try {
    body = payload === undefined ? undefined : (JSON.parse(payload) as typeof body);
  } catch {
    body = undefined;
  }
  if (!body || typeof body.f !== 'string' || (body.h !== 0 && body.h !== 1) || !(body.p === null || (typeof body.p === 'string' && body.p.length <= 600))) {
    throw new ClientError(400, 'invalid_cursor', 'The cursor is not one this API issued.');
  }
  if (body.f !== fingerprint) {
    throw new ClientError(400, 'invalid_cursor', 'The cursor belongs to a list with other filters or another sort; start again without it.');
  }
  return { phase: body.h, pos: body.p ?? undefined };
}

export interface PageRead {
  readonly tickets: Ticket[];
  /** Resume here (exclusive); undefined when the phase is exhausted. */
  readonly position?: string;
  /** Index items evaluated, and Query calls made. */
  readonly read: number;
  readonly queries: number;
}

/** Rounds of partition reads one page may take (each round reads only the partitions still in the way). */
export const MAX_ROUNDS = 6;

interface PartState {
  readonly pk: string;
  last: string | undefined;
  done: boolean;
  limit: number;
}

/**
 * Read one page of `limit` from the plan's partitions, at most `budget` index items in all.
 *
 * Each partition is read in order and stops at its Limit with a last evaluated key. Only items at or
 * beyond the frontier of every partition that still has more (descending: sort key >= the largest
 * of those last keys) are certain to be in order, so only those are returned; the position is the
 * last returned item's key when the page is full, else that frontier (everything up to it was
 * examined, filtered or not). So a page may hold fewer than `limit` tickets and still have a next
 * one, and no ticket is returned twice or skipped. Later rounds read only the partitions whose last
 * key is still ahead of the page's last candidate, with growing limits, within the budget.
 */
export async function readPage(read: (q: ListQuery) => Promise<ListRead>, plan: PhasePlan, limit: number, budget: number): Promise<PageRead> {
  const n = plan.partitions.length;
  if (n === 0 || limit < 1) return { tickets: [], read: 0, queries: 0 };
  if (budget < n) throw new Error(`a page over ${n} partitions needs a read budget of at least ${n}`);
  const desc = plan.descending;
  const ahead = (a: string, b: string): boolean => (desc ? a > b : a < b); // a comes before b
  const items = new Map<string, [string, Ticket]>();
  const parts: PartState[] = plan.partitions.map((pk) => ({ pk, last: undefined, done: false, limit: 0 }));
  const first = Math.min(Math.floor(budget / n), Math.max(2, Math.ceil((limit * 1.25) / n) + 1));
  for (const p of parts) p.limit = first;
  let used = 0;
  let queries = 0;
  let want = parts;
  let frontier: string | undefined;
  let safe: Array<[string, Ticket]> = [];
  for (let round = 0; ; round++) {
    await Promise.all(
      want.map(async (p) => {
        const resume = p.last;
        const r = await read({
          index: plan.index,
          partition: p.pk,
          descending: desc,
          filter: plan.filter,
          limit: p.limit,
          ...(desc ? (plan.after !== undefined ? { after: plan.after } : {}) : resume !== undefined || plan.after !== undefined ? { after: (resume ?? plan.after)! } : {}),
          ...(desc ? (resume !== undefined || plan.before !== undefined ? { before: (resume ?? plan.before)! } : {}) : plan.before !== undefined ? { before: plan.before } : {}),
        });
        used += r.read;
        queries++;
        for (const t of r.tickets) {
          const k = plan.sortKey(t);
          if (k === undefined) continue;
          const seen = items.get(t.id); // a ticket caught moving between partitions: keep its first place
          if (!seen || ahead(k, seen[0])) items.set(t.id, [k, t]);
        }
        p.last = r.last;
        p.done = r.last === undefined;
      }),
    );
    const open = parts.filter((p) => !p.done);
    frontier = open.length ? open.map((p) => p.last!).reduce((a, b) => (ahead(a, b) ? a : b)) : undefined;
    const candidates = [...items.values()].sort((a, b) => (a[0] === b[0] ? 0 : ahead(a[0], b[0]) ? -1 : 1));
    safe = frontier === undefined ? candidates : candidates.filter(([k]) => k === frontier || ahead(k, frontier!));
    if (safe.length >= limit || frontier === undefined || round + 1 >= MAX_ROUNDS) break;
    // Partitions whose unread items could still rank within the page.
    const kth = candidates[limit - 1]?.[0];
    want = open.filter((p) => kth === undefined || ahead(p.last!, kth));
    const per = Math.floor((budget - used) / want.length);
    if (per < 1) break;
    const grow = Math.ceil(((limit - safe.length) * 1.25) / want.length) + 1;
    for (const p of want) p.limit = Math.min(per, Math.max(p.limit * 2, grow));
  }
  const page = safe.slice(0, limit);
  const position = safe.length > limit ? page.at(-1)![0] : frontier;
  return { tickets: page.map(([, t]) => t), ...(position !== undefined ? { position } : {}), read: used, queries };
}
