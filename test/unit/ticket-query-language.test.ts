/** core/ticket-query.ts: the `language` filter of GET /v1/tickets (a filter within the bounded read, not an index). */
import { describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { listTickets } from '../../functions/core/services/tickets.ts';
import { matches, normalizeQuery, planPhase, queryFingerprint } from '../../functions/core/ticket-query.ts';
import { ListQuerySchema } from '../../functions/api/routes/tickets.ts';
import { memoryIndex, sixtyTickets, timeAt } from '../helpers/memory-list-index.ts';

const LANGS = ['cy', 'tr', 'ha', 'und', undefined] as const;
const tickets = sixtyTickets((i) => (LANGS[i % 5] ? { language: LANGS[i % 5] } : {}));
const deps = () => ({ store: { listTickets: memoryIndex(tickets).listTickets }, clock: { now: () => new Date(timeAt(60)) }, settings: { cursorKey: 'cursor-key-0123456789' } }) as unknown as CoreDeps;

async function walk(params: Record<string, unknown>, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listTickets(deps(), { ...params, limit, ...(cursor ? { cursor } : {}) } as never);
    ids.push(...page.tickets.map((t) => t.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('the walk did not end');
}

describe('language filter', () => {
  it('matches the ticket’s language exactly; a ticket without one matches no language', () => {
    const [cy, , , und, none] = tickets;
    expect(matches(cy!, { language: 'cy' })).toBe(true);
    expect(matches(cy!, { language: 'tr' })).toBe(false);
    expect(matches(und!, { language: 'und' })).toBe(true);
    expect(matches(none!, { language: 'und' })).toBe(false);
    expect(matches(none!, {})).toBe(true);
  });

  it('is applied within the read of whichever index the sort picks', () => {
    for (const sort of ['-lastMessageAt', 'createdAt', 'slaDueAt', 'updatedAt'] as const) {
      const q = normalizeQuery({ language: 'cy', sort }, undefined);
      if (q === 'empty') throw new Error('empty');
      expect(planPhase(q, 0, undefined, new Date(timeAt(60))).filter.language).toBe('cy');
    }
  });

  it.each([1, 5, 100])('pages (limit %i) through exactly the tickets in that language, each once', async (limit) => {
    const want = tickets.filter((t) => t.language === 'cy').map((t) => t.id).sort();
    const got = await walk({ language: 'cy', sort: '-createdAt' }, limit);
    expect([...got].sort()).toEqual(want);
    expect(new Set(got).size).toBe(got.length);
    expect(await walk({ language: 'cy', status: ['open'] }, limit)).toEqual(expect.arrayContaining(tickets.filter((t) => t.language === 'cy' && t.status === 'open').map((t) => t.id)));
  });

  it('binds cursors to the language, and leaves the fingerprint of queries without one as it was', () => {
    expect(queryFingerprint({ language: 'cy' }, undefined)).not.toBe(queryFingerprint({ language: 'tr' }, undefined));
    expect(queryFingerprint({ language: 'cy' }, undefined)).not.toBe(queryFingerprint({}, undefined));
    expect(queryFingerprint({ language: undefined }, undefined)).toBe(queryFingerprint({}, undefined));
  });

  it('the query parameter: a 2-3 letter code, any case; anything else refused', () => {
    expect(ListQuerySchema.parse({ language: 'CY' }).language).toBe('cy');
    expect(ListQuerySchema.parse({ language: 'und' }).language).toBe('und');
    for (const bad of ['', 'c', 'english', 'zh-Hans', 'cy,tr', 'c1', 'x'.repeat(100)]) expect(ListQuerySchema.safeParse({ language: bad }).success, bad).toBe(false);
  });
});
