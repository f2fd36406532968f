/**
 * core/services/rules.ts on a container that has not loaded RE2 yet: every path that compiles or
 * costs a pattern loads it first (create, replace, delete, try), and only when a pattern is there.
 * The fake store costs patterns as the DynamoDB store does (patternWeight on write and delete).
 */
import { describe, expect, it, vi } from 'vitest';
import type { CoreDeps } from '../../functions/core/ports.ts';
import type { Condition, Rule } from '../../functions/core/rules/schema.ts';

const PATTERN: Condition = { field: 'text', op: 'matches', value: 'order #\\d+' };
const WORDS: Condition = { field: 'text', op: 'contains', value: ['refund'] };
const stored = (id: string, all: Condition[]): Rule => ({
  id,
  name: id,
  enabled: true,
  on: ['ticket.created'],
  conditions: { all },
  actions: [{ type: 'addTags', value: [id.toLowerCase()] }],
  stop: false,
  position: 0,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** Fresh module instances (RE2 not loaded) and deps over an in-memory store. */
async function setup(initial: Rule[]) {
  vi.resetModules();
  const service = await import('../../functions/core/services/rules.ts');
  const { re2Loaded } = await import('../../functions/core/rules/text.ts');
  const { patternWeight } = await import('../../functions/core/rules/schema.ts');
  const rules = new Map(initial.map((r) => [r.id, r]));
  const weights: number[] = [];
  const store = {
    listRules: async () => [...rules.values()],
    getRule: async (id: string) => rules.get(id),
    createRule: async (rule: Rule) => (weights.push(patternWeight(rule)), rules.set(rule.id, rule), 'created' as const),
    replaceRule: async (rule: Rule, previous: Rule) => (weights.push(patternWeight(rule) - patternWeight(previous)), rules.set(rule.id, rule), 'replaced' as const),
    deleteRule: async (id: string) => {
      const r = rules.get(id);
      if (!r) return 'missing' as const;
      weights.push(-patternWeight(r));
      rules.delete(id);
      return 'deleted' as const;
    },
    peekTurn: async () => undefined,
  };
  const deps = {
    clock: { now: () => new Date('2026-03-02T12:00:00Z') },
    ids: { newId: () => 'R-NEW' },
    settings: { sla: { calendars: {} } },
    rules: { store, active: async () => [] },
  } as unknown as CoreDeps;
  return { ...service, re2Loaded, deps, rules, weights };
}
const input = (all: Condition[]) => ({ name: 'n', enabled: true, on: ['ticket.created' as const], conditions: { all }, actions: [{ type: 'addTags' as const, value: ['t'] }], stop: false });

describe('rules service loads RE2 where patterns are compiled or costed', () => {
  it('tryRules: only when a stored rule holds a pattern, and then the pattern runs', async () => {
    const plain = await setup([stored('WORDS', [WORDS])]);
    expect((await plain.tryRules(plain.deps, { channel: 'sms', text: 'a refund please' })).fired.map((f) => f.rule)).toEqual(['WORDS']);
    expect(plain.re2Loaded()).toBe(false);

    const s = await setup([stored('PATTERN', [PATTERN])]);
    expect(s.re2Loaded()).toBe(false);
    expect((await s.tryRules(s.deps, { channel: 'sms', text: 'where is ORDER #42' })).fired.map((f) => f.rule)).toEqual(['PATTERN']);
    expect(s.re2Loaded()).toBe(true);
  });

  it('createRule with a pattern: loads RE2 and the store costs it', async () => {
    const s = await setup([]);
    const rule = await s.createRule(s.deps, input([PATTERN]));
    expect(s.re2Loaded()).toBe(true);
    expect(s.rules.get(rule.id)).toBeDefined();
    expect(s.weights[0]).toBeGreaterThan(0);
  });

  it('createRule without a pattern leaves RE2 unloaded', async () => {
    const s = await setup([]);
    await s.createRule(s.deps, input([WORDS]));
    expect(s.re2Loaded()).toBe(false);
    expect(s.weights).toEqual([0]);
  });

  it('replaceRule dropping a stored pattern: loads RE2 to cost the old one', async () => {
    const s = await setup([stored('PATTERN', [PATTERN])]);
    const r = await s.replaceRule(s.deps, 'PATTERN', input([WORDS]), 1);
    expect(r.version).toBe(2);
    expect(s.re2Loaded()).toBe(true);
    expect(s.weights[0]).toBeLessThan(0);
  });

  it('deleteRule of a stored pattern on a fresh container: deleted, its cost taken off', async () => {
    const s = await setup([stored('PATTERN', [PATTERN])]);
    await s.deleteRule(s.deps, 'PATTERN', undefined);
    expect(s.rules.has('PATTERN')).toBe(false);
    expect(s.weights[0]).toBeLessThan(0);
  });
});
