/** core/rules/cache.ts: one Query per ttl, a slow store never holds ingest up for long, a failed refresh keeps the last good set. */
import { describe, expect, it } from 'vitest';
import { RuleCache } from '../../functions/core/rules/cache.ts';
import type { Rule } from '../../functions/core/rules/schema.ts';

const rule = (id: string): Rule => ({ id, name: id, enabled: true, on: ['message.received'], conditions: {}, actions: [{ type: 'addTags', value: [id] }], stop: false, position: 0, version: 1, createdAt: 't', updatedAt: 't' });

function setup() {
  let now = 0;
  const warnings: string[] = [];
  const state = { calls: 0, next: [rule('a')] as Rule[] | Error, gate: undefined as Promise<void> | undefined };
  const store = {
    async listRules() {
      state.calls++;
      if (state.gate) await state.gate;
      if (state.next instanceof Error) throw state.next;
      return state.next;
    },
  };
  const cache = new RuleCache(store, { clock: { now: () => new Date(now) }, log: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined }, ttlMs: 5000, waitMs: 20 });
  return { cache, state, warnings, advance: (ms: number) => (now += ms) };
}
const ids = async (c: RuleCache) => (await c.active()).map((r) => r.rule.id);

describe('RuleCache', () => {
  it('reads the store once per ttl', async () => {
    const { cache, state, advance } = setup();
    expect(await ids(cache)).toEqual(['a']);
    await cache.active();
    advance(4999);
    await cache.active();
    expect(state.calls).toBe(1);
    state.next = [rule('b')];
    advance(1);
    expect(await ids(cache)).toEqual(['b']);
    expect(state.calls).toBe(2);
  });

  it('a failed refresh keeps the last good set and logs it', async () => {
    const { cache, state, warnings, advance } = setup();
    await cache.active();
    state.next = new Error('throttled');
    advance(6000);
    expect(await ids(cache)).toEqual(['a']);
    expect(warnings).toEqual(['rules refresh failed; keeping the last good set']);
  });

  it('a slow refresh answers with the last good set, and the new set once it lands', async () => {
    const { cache, state, advance } = setup();
    await cache.active();
    let open!: () => void;
    state.gate = new Promise((r) => (open = r));
    state.next = [rule('c')];
    advance(6000);
    expect(await ids(cache)).toEqual(['a']); // waited at most waitMs
    expect(await ids(cache)).toEqual(['a']); // one refresh in flight, not two
    expect(state.calls).toBe(2);
    open();
    await new Promise((r) => setTimeout(r, 0));
    expect(await ids(cache)).toEqual(['c']);
  });

  it('a failed first load answers no rules (logged as an error), and the next call tries again', async () => {
    const { cache, state } = setup();
    const errors: string[] = [];
    const c = new RuleCache({ listRules: async () => { state.calls++; if (state.next instanceof Error) throw state.next; return state.next; } }, { clock: { now: () => new Date(0) }, log: { info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) }, ttlMs: 5000 });
    state.next = new Error('down');
    expect(await c.active()).toEqual([]);
    expect(errors).toEqual(['rules could not be loaded; this message is ingested without them']);
    state.next = [rule('a')];
    expect(await ids(c)).toEqual(['a']);
    expect(state.calls).toBe(2);
    void cache;
  });

  it('only enabled rules, in position order', async () => {
    const { cache, state } = setup();
    state.next = [{ ...rule('late'), position: 9 }, { ...rule('off'), enabled: false }, { ...rule('early'), position: 1 }];
    expect(await ids(cache)).toEqual(['early', 'late']);
  });
});
