import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openListCursor, readPage, sealCursor, sealListCursor } from '../../functions/core/listing.ts';
import { matches, normalizeQuery, planPhase, type NormalizedQuery, type Phase } from '../../functions/core/ticket-query.ts';
import type { Ticket } from '../../functions/core/types.ts';
import { memoryIndex, paramsArb, sixtyTickets, ticketsArb, timeAt } from '../helpers/memory-list-index.ts';

const NOW = new Date(timeAt(60));

/** What one phase must yield, in order: every matching ticket within the plan's bounds, sorted. */
function reference(all: readonly Ticket[], q: NormalizedQuery, phase: Phase): string[] {
  const plan = planPhase(q, phase, undefined, NOW);
  return all
    .flatMap((t) => {
      const k = plan.sortKey(t);
      if (k === undefined || !matches(t, plan.fullFilter)) return [];
      if ((plan.after !== undefined && !(k > plan.after)) || (plan.before !== undefined && !(k < plan.before))) return [];
      return [{ k, id: t.id }];
    })
    .sort((a, b) => (a.k < b.k ? -1 : 1) * (plan.descending ? -1 : 1))
    .map((x) => x.id);
}

describe('readPage: the bounded k-way merge', () => {
  it('walks every phase of every query exactly like an in-memory sort + filter, within the read budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        ticketsArb(),
        paramsArb,
        fc.constantFrom<Phase>(0, 1),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        async (tickets, params, phase, limit, extraBudget, lastWhenExhausted) => {
          const q = normalizeQuery(params, undefined) as NormalizedQuery;
          const mem = memoryIndex(tickets, { lastWhenExhausted: () => lastWhenExhausted });
          const seen: string[] = [];
          let pos: string | undefined;
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThan(2000);
            const plan = planPhase(q, phase, pos, NOW);
            const budget = plan.partitions.length + extraBudget;
            const r = await readPage(mem.listTickets, plan, limit, budget);
            expect(r.read).toBeLessThanOrEqual(budget);
            expect(r.tickets.length).toBeLessThanOrEqual(limit);
            seen.push(...r.tickets.map((t) => t.id));
            if (r.position === undefined) break;
            expect(r.position).not.toBe(pos); // every page makes progress
            pos = r.position;
          }
          expect(seen).toEqual(reference(tickets, q, phase));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns a full page when the budget allows, and a short page with a position when a rare filter meets the bound', async () => {
    const tickets = sixtyTickets((i) => ({ tags: i === 0 ? ['rare'] : [] })); // the oldest: last in the walk
    const q = normalizeQuery({ tag: 'rare' }, undefined) as NormalizedQuery;
    const plan = planPhase(q, 0, undefined, NOW);
    const r = await readPage(memoryIndex(tickets).listTickets, plan, 10, plan.partitions.length * 2);
    expect(r.tickets).toEqual([]);
    expect(r.read).toBeLessThanOrEqual(plan.partitions.length * 2);
    expect(r.position).toBeDefined();
    const all = normalizeQuery({}, undefined) as NormalizedQuery;
    const full = await readPage(memoryIndex(tickets).listTickets, planPhase(all, 0, undefined, NOW), 10, 500);
    expect(full.tickets.map((t) => t.lastMessageAt)).toEqual(Array.from({ length: 10 }, (_, i) => timeAt(59 - i)));
  });

  it('never asks for more than the budget, even when one partition holds everything', async () => {
    const tickets = sixtyTickets(() => ({ status: 'open' }));
    const q = normalizeQuery({}, undefined) as NormalizedQuery;
    const mem = memoryIndex(tickets);
    const r = await readPage(mem.listTickets, planPhase(q, 0, undefined, NOW), 50, 20);
    expect(mem.calls.reduce((a, c) => a + c.limit, 0)).toBeLessThanOrEqual(20);
    expect(r.read).toBeLessThanOrEqual(20);
  });
});

describe('ticket list cursors', () => {
  const key = 'k'.repeat(32);
  it('round-trip the phase and position for the query they were made for', () => {
    const c = sealListCursor('fp-a', { phase: 1, pos: '2026-01-01T00:00:00.000Z#X' }, key);
    expect(openListCursor(c, 'fp-a', key)).toEqual({ phase: 1, pos: '2026-01-01T00:00:00.000Z#X' });
    expect(openListCursor(sealListCursor('fp-a', { phase: 0, pos: undefined }, key), 'fp-a', key)).toEqual({ phase: 0, pos: undefined });
  });

  it('refuse another query, another key, a changed payload, garbage and well-signed nonsense', () => {
    const c = sealListCursor('fp-a', { phase: 0, pos: 'x' }, key);
    expect(() => openListCursor(c, 'fp-b', key)).toThrow(/other filters/);
    expect(() => openListCursor(c, 'fp-a', 'other-key')).toThrow(/not one this API issued/);
    const [body, mac] = c.split('.');
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('"x"', '"y"')).toString('base64url');
    expect(() => openListCursor(`${forged}.${mac}`, 'fp-a', key)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_cursor' }));
    for (const bad of ['garbage', '.', 'a.b', '']) expect(() => openListCursor(bad, 'fp-a', key)).toThrow(expect.objectContaining({ status: 400 }));
    for (const payload of ['not json', '{"f":"fp-a","h":2,"p":null}', '{"f":"fp-a","h":0,"p":5}', 'null']) {
      expect(() => openListCursor(sealCursor(payload, key), 'fp-a', key)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    }
  });
});
