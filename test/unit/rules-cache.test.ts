/** core/rules/cache.ts: one Query per ttl, a slow store never holds ingest up for long, a failed refresh keeps the last good set. */
import { describe, expect, it, vi } from 'vitest';
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

  it('loads RE2 when, and only when, the rules hold a matches condition', async () => {
    // Fresh module instances: RE2 not loaded yet.
    vi.resetModules();
    const { RuleCache: Fresh } = await import('../../functions/core/rules/cache.ts');
    const { re2Loaded } = await import('../../functions/core/rules/text.ts');
    const { evaluateRules } = await import('../../functions/core/rules/evaluate.ts');
    let now = 0;
    let next: Rule[] = [rule('plain'), { ...rule('words'), conditions: { all: [{ field: 'text', op: 'contains', value: ['refund'] }] } }];
    const cache = new Fresh({ listRules: async () => next }, { clock: { now: () => new Date(now) }, log: { info: () => undefined, warn: () => undefined, error: () => undefined }, ttlMs: 5000 });
    expect((await cache.active()).map((r) => r.rule.id)).toEqual(['plain', 'words']);
    expect(re2Loaded()).toBe(false);

    next = [{ ...rule('pattern'), conditions: { all: [{ field: 'text', op: 'matches', value: 'order #\\d+' }] } }];
    now += 5000;
    const rules = await cache.active();
    expect(re2Loaded()).toBe(true);
    const subject = (text: string) => ({ triggers: new Set(['message.received'] as const), channel: 'sms', provider: 'twilio', from: '+1555', text, identityKind: 'phone', signals: { language: 'en', sentiment: 0, abusive: false }, ticket: { status: 'open', priority: 'normal', tags: [] }, at: 0, calendars: {} }) as unknown as Parameters<typeof evaluateRules>[1];
    expect(evaluateRules(rules, subject('where is ORDER #42?')).fired.map((f) => f.rule)).toEqual(['pattern']);
    expect(evaluateRules(rules, subject('where is my order?')).fired).toEqual([]);
  });
});
