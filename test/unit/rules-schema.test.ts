/** core/rules/schema.ts: what a saved rule may be; each refusal names the problem. */
import { beforeAll, describe, expect, it } from 'vitest';
import { patternCount, patternWeight, RuleInputSchema, RULE_LIMITS, unknownCalendars } from '../../functions/core/rules/schema.ts';
import { loadRe2 } from '../../functions/core/rules/text.ts';

// The schema checks `matches` patterns with RE2, loaded on demand (the API loads it before parsing a rule).
beforeAll(() => loadRe2());

// 250 characters, RE2-valid: 35 alternatives of bounded repeats of `.` (5 s on a 4k text before it was refused).
const alts: string[] = [];
for (let n = 1000; ('(?:' + [...alts, `.{${n}}`].join('|') + ')x').length <= 256; n--) alts.push(`.{${n}}`);
const SLOW = '(?:' + alts.join('|') + ')x';

const base = { name: 'r', on: ['ticket.created'], actions: [{ type: 'setPriority', value: 'high' }] };
const problems = (body: unknown): string[] => {
  const r = RuleInputSchema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const withCondition = (c: unknown) => ({ ...base, conditions: { all: [c] } });

describe('RuleInputSchema', () => {
  it('accepts a full rule and fills defaults', () => {
    const r = RuleInputSchema.parse({
      ...base,
      conditions: {
        all: [
          { field: 'channel', op: 'in', value: ['whatsapp', 'sms'] },
          { field: 'text', op: 'contains', value: ['stolen', 'fraud'] },
          { field: 'subject', op: 'matches', value: '^re:' },
          { field: 'sentiment', op: 'lt', value: -0.5 },
          { field: 'abusive', op: 'is', value: true },
          { field: 'businessHours', op: 'is', value: 'closed', calendar: 'ops' },
          { field: 'language', op: 'is', value: 'cy' },
          { field: 'identityKind', op: 'in', value: ['email', 'phone'] },
          { field: 'tags', op: 'is', value: 'vip' },
          { field: 'from', op: 'matches', value: '@bigcorp\\.example$' },
          { field: 'from', op: 'in', value: ['+15551230000'] },
        ],
      },
      actions: [
        { type: 'setPriority', value: 'urgent' },
        { type: 'addTags', value: ['fraud'] },
        { type: 'removeTags', value: ['spam'] },
        { type: 'assignTeam', value: 'risk' },
        { type: 'assignAgent', value: 'ana@example.com' },
        { type: 'assignRoundRobin', value: 'risk' },
        { type: 'addNote', value: 'Call the customer back' },
      ],
    });
    expect(r).toMatchObject({ enabled: true, stop: false, conditions: { all: expect.any(Array) } });
    expect(r.position).toBeUndefined();
  });

  it.each([
    [{ field: 'sentiment', op: 'is', value: 1 }, 'sentiment takes the operators lt, gt, not is'],
    [{ field: 'channel', op: 'lt', value: 'sms' }, 'channel takes the operators is, isNot, in, notIn, not lt'],
    [{ field: 'channel', op: 'is', value: 'pager' }, 'channel is one of'],
    [{ field: 'channel', op: 'is', value: ['sms'] }, 'is takes one value, not a list'],
    [{ field: 'channel', op: 'in', value: 'sms' }, 'in takes a list of values'],
    [{ field: 'sentiment', op: 'lt', value: 'bad' }, 'sentiment compares with a number from -1 to 1'],
    [{ field: 'sentiment', op: 'gt', value: 2 }, 'sentiment compares with a number from -1 to 1'],
    [{ field: 'abusive', op: 'is', value: 'yes' }, 'abusive takes true or false'],
    [{ field: 'businessHours', op: 'is', value: 'open' }, 'businessHours needs a calendar'],
    [{ field: 'channel', op: 'is', value: 'sms', calendar: 'ops' }, 'only businessHours takes a calendar'],
    [{ field: 'text', op: 'matches', value: '(a)\\1' }, 'backreferences'],
    [{ field: 'text', op: 'matches', value: '(?=x)' }, 'lookahead'],
    [{ field: 'text', op: 'matches', value: 'a'.repeat(RULE_LIMITS.maxPatternChars + 1) }, 'at most 256 characters'],
    [{ field: 'text', op: 'contains', value: ['  '] }, 'could never match'],
    [{ field: 'text', op: 'contains', value: ['fraud', '!!!'] }, '"!!!" has none, so it could never match'],
    [{ field: 'text', op: 'contains', value: ['x'.repeat(101)] }, 'at most 100 characters'],
    // Slow even in RE2 (cost ∝ program size × text): refused at save, naming the reason.
    [{ field: 'text', op: 'matches', value: SLOW }, 'the pattern is too costly: its RE2 program has'],
    [{ field: 'text', op: 'matches', value: '.{1000}x' }, 'too costly'],
    [{ field: 'text', op: 'matches', value: '(?:.{100}){10}x' }, 'too costly'],
    [{ field: 'from', op: 'is', value: 'x'.repeat(321) }, 'from takes addresses of 1-320 characters'],
    [{ field: 'language', op: 'is', value: 'english' }, 'ISO 639'],
    [{ field: 'mood', op: 'is', value: 'x' }, 'field'],
    [{ field: 'from', op: 'contains', value: ['x'] }, 'from takes the operators'],
    [{ field: 'from', op: 'is', value: '' }, 'from takes addresses'],
    [{ field: 'text', op: 'like', value: 'x' }, 'op'],
    [{ field: 'text', op: 'contains', value: ['x'], extra: 1 }, 'extra'],
  ])('refuses %j', (condition, problem) => {
    expect(problems(withCondition(condition)).join('\n')).toContain(problem);
  });

  it(`refuses more than ${RULE_LIMITS.maxConditions} conditions (all and any together) and ${RULE_LIMITS.maxActions} actions`, () => {
    const c = { field: 'channel', op: 'is', value: 'sms' };
    expect(problems({ ...base, conditions: { all: Array(20).fill(c) } })).toEqual([]);
    expect(problems({ ...base, conditions: { all: Array(21).fill(c) } })).not.toEqual([]);
    expect(problems({ ...base, conditions: { all: Array(11).fill(c), any: Array(10).fill(c) } }).join()).toContain('at most 20 conditions');
    expect(problems({ ...base, actions: Array(21).fill(base.actions[0]) })).not.toEqual([]);
  });

  it('refuses bad actions, triggers and names', () => {
    expect(problems({ ...base, actions: [] })).not.toEqual([]);
    expect(problems({ ...base, actions: [{ type: 'setPriority', value: 'asap' }] })).not.toEqual([]);
    expect(problems({ ...base, actions: [{ type: 'assignTeam', value: 'no spaces allowed' }] }).join()).toContain('team name');
    expect(problems({ ...base, actions: [{ type: 'delete', value: 'x' }] })).not.toEqual([]);
    expect(problems({ ...base, on: [] })).not.toEqual([]);
    expect(problems({ ...base, on: ['ticket.created', 'ticket.created'] }).join()).toContain('each trigger once');
    expect(problems({ ...base, on: ['ticket.closed'] })).not.toEqual([]);
    expect(problems({ ...base, name: '' })).not.toEqual([]);
    expect(problems({ ...base, name: 'x'.repeat(101) })).not.toEqual([]);
    expect(problems({ ...base, surprise: true })).not.toEqual([]);
  });

  it('takes addresses up to 320 characters in from, and patterns of modest cost', () => {
    const long = `${'a'.repeat(300)}@example.com`;
    expect(problems(withCondition({ field: 'from', op: 'is', value: long }))).toEqual([]);
    expect(problems(withCondition({ field: 'from', op: 'in', value: [long] }))).toEqual([]);
    expect(problems(withCondition({ field: 'text', op: 'matches', value: '\\b(card|account) (stolen|blocked|hacked)\\b' }))).toEqual([]);
    expect(problems(withCondition({ field: 'text', op: 'matches', value: '\\b[0-9]{16}\\b' }))).toEqual([]);
  });

  it(`refuses a rule over ${RULE_LIMITS.maxRuleBytes / 1024} KB as JSON (DynamoDB's item limit is never reached)`, () => {
    const word = (i: number) => '漢'.repeat(96) + String(i).padStart(4, '0');
    const cond = { field: 'text', op: 'contains', value: Array.from({ length: 50 }, (_, i) => word(i)) };
    const big = { ...base, conditions: { all: Array(20).fill(cond) }, actions: Array.from({ length: 20 }, () => ({ type: 'addNote', value: '漢'.repeat(2000) })) };
    expect(problems(big).join()).toMatch(/a rule is at most 16 KB as JSON \(UTF-8\); this one is \d+ bytes/);
    expect(problems({ ...base, actions: Array.from({ length: 3 }, () => ({ type: 'addNote', value: '漢'.repeat(1800) })) })).toEqual([]);
    expect(problems({ ...base, actions: Array.from({ length: 4 }, () => ({ type: 'addNote', value: '漢'.repeat(1800) })) }).join()).toContain('16 KB');
  });

  it('counts what patterns cost', () => {
    expect(patternWeight({ conditions: { all: [{ field: 'text', op: 'matches', value: 'a{50}b' }], any: [{ field: 'from', op: 'matches', value: 'x' }] } })).toBeGreaterThan(50);
    expect(patternCount({ conditions: { all: [{ field: 'text', op: 'matches', value: 'a' }, { field: 'text', op: 'contains', value: ['a'] }] } })).toBe(1);
  });

  it('names the calendars the settings lack', () => {
    const rule = { conditions: { any: [{ field: 'businessHours' as const, op: 'is' as const, value: 'open', calendar: 'ops' }, { field: 'businessHours' as const, op: 'is' as const, value: 'open', calendar: 'nope' }] } };
    expect(unknownCalendars(rule, { ops: {} })).toEqual(['nope']);
  });
});
