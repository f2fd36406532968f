/** core/rules/text.ts: RE2 loads on demand; before it has, compiling a pattern is a loud programming error, never "valid" or "no match". */
import { describe, expect, it, vi } from 'vitest';
import type { Rule } from '../../functions/core/rules/schema.ts';

/** A fresh instance of the rules modules, with RE2 not loaded yet (whatever other tests in this file did). */
async function fresh() {
  vi.resetModules();
  const text = await import('../../functions/core/rules/text.ts');
  const schema = await import('../../functions/core/rules/schema.ts');
  const evaluate = await import('../../functions/core/rules/evaluate.ts');
  return { ...text, ...schema, ...evaluate };
}

const rule = (conditions: Rule['conditions'], enabled = true): Rule => ({
  id: 'R1',
  name: 'r',
  enabled,
  on: ['ticket.created'],
  conditions,
  actions: [{ type: 'addTags', value: ['x'] }],
  stop: false,
  position: 0,
  version: 1,
  createdAt: 't',
  updatedAt: 't',
});
const input = (value: string) => ({ name: 'r', on: ['ticket.created'], conditions: { all: [{ field: 'text', op: 'matches', value }] }, actions: [{ type: 'addTags', value: ['x'] }] });

describe('loadRe2 and compilePattern', () => {
  it('before loadRe2, compiling, validating or costing a pattern throws a programming error', async () => {
    const m = await fresh();
    expect(m.re2Loaded()).toBe(false);
    expect(() => m.compilePattern('a+')).toThrow('RE2 is not loaded: await loadRe2() first');
    // The schema does not answer "valid" (nor "invalid") for a pattern it could not check.
    expect(() => m.RuleInputSchema.safeParse(input('(a)\\1'))).toThrow('RE2 is not loaded');
    expect(() => m.RuleInputSchema.safeParse(input('fraud'))).toThrow('RE2 is not loaded');
    expect(() => m.patternWeight({ conditions: { all: [{ field: 'text', op: 'matches', value: 'a' }] } })).toThrow('RE2 is not loaded');
    // A compiled rule never silently "matches nothing".
    expect(() => m.compileRules([rule({ all: [{ field: 'from', op: 'matches', value: '@example\\.com$' }] })])).toThrow('RE2 is not loaded');
  });

  it('what needs no pattern works without RE2', async () => {
    const m = await fresh();
    expect(m.RuleInputSchema.safeParse({ ...input('x'), conditions: { all: [{ field: 'text', op: 'contains', value: ['fraud'] }] } }).success).toBe(true);
    expect(m.patternWeight({ conditions: { all: [{ field: 'channel', op: 'is', value: 'sms' }] } })).toBe(0);
    expect(m.compileRules([rule({ all: [{ field: 'text', op: 'contains', value: ['fraud'] }] })])).toHaveLength(1);
    expect(m.re2Loaded()).toBe(false);
  });

  it('after loadRe2 (once, however many callers), patterns compile, match and are refused with the reason', async () => {
    const m = await fresh();
    await Promise.all([m.loadRe2(), m.loadRe2(), m.loadRe2()]);
    await m.loadRe2();
    expect(m.re2Loaded()).toBe(true);
    const ok = m.compilePattern('^order #\\d+$');
    expect(ok.ok && ok.pattern.test('ORDER #42')).toBe(true);
    expect(ok.ok && ok.pattern.test('order #x')).toBe(false);
    expect(m.compilePattern('(a)\\1')).toMatchObject({ ok: false, problem: expect.stringContaining('backreferences') });
    expect(m.RuleInputSchema.safeParse(input('fraud')).success).toBe(true);
    const bad = m.RuleInputSchema.safeParse(input('(a)\\1'));
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('backreferences');
  });
});

describe('needsRe2', () => {
  it('is true when any condition (all or any, enabled or not) is a matches', async () => {
    const { needsRe2 } = await fresh();
    expect(needsRe2([rule({ all: [{ field: 'text', op: 'matches', value: 'a' }] })])).toBe(true);
    expect(needsRe2([rule({}), rule({ any: [{ field: 'channel', op: 'is', value: 'sms' }, { field: 'subject', op: 'matches', value: 'a' }] })])).toBe(true);
    expect(needsRe2([rule({ all: [{ field: 'from', op: 'matches', value: 'a' }] }, false)])).toBe(true);
  });

  it('is false without one', async () => {
    const { needsRe2 } = await fresh();
    expect(needsRe2([])).toBe(false);
    expect(needsRe2([rule({})])).toBe(false);
    expect(needsRe2([rule({ all: [{ field: 'text', op: 'contains', value: ['matches'] }], any: [{ field: 'channel', op: 'is', value: 'sms' }] })])).toBe(false);
  });
});
