/** core/rules: conditions per field and operator, text folding, RE2 patterns, actions, order, stop, human assignments. */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCalendar } from '../../functions/core/calendar.ts';
import { compileRule, compileRules, evaluateRules, type RuleSubject } from '../../functions/core/rules/evaluate.ts';
import type { Action, Condition, Rule } from '../../functions/core/rules/schema.ts';
import { compilePattern, containsAny, loadRe2, phrases, wordForm } from '../../functions/core/rules/text.ts';

// `matches` conditions compile with RE2, loaded on demand (rules-text.test.ts covers the loading).
beforeAll(() => loadRe2());

const ops = buildCalendar('ops', { timeZone: 'UTC', week: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] } });
const MONDAY_NOON = Date.parse('2026-03-02T12:00:00Z');
const MONDAY_NIGHT = Date.parse('2026-03-02T22:00:00Z');

const subject = (over: Partial<Omit<RuleSubject, 'ticket'>> & { ticket?: Partial<RuleSubject['ticket']> } = {}): RuleSubject => ({
  triggers: new Set(['ticket.created', 'message.received']),
  channel: 'whatsapp',
  provider: 'meta',
  from: 'Ana@BigCorp.example',
  text: 'Hello',
  identityKind: 'wa',
  signals: { language: 'en', sentiment: 0, abusive: false },
  at: MONDAY_NOON,
  calendars: { ops },
  ...over,
  ticket: { status: 'open', priority: 'normal', tags: [], ...over.ticket },
});

let seq = 0;
const rule = (conditions: Rule['conditions'], actions: Action[] = [{ type: 'addTags', value: ['hit'] }], over: Partial<Rule> = {}): Rule => ({
  id: `R${++seq}`,
  name: `rule ${seq}`,
  enabled: true,
  on: ['ticket.created', 'message.received'],
  conditions,
  actions,
  stop: false,
  position: seq,
  version: 1,
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  ...over,
});
const holds = (c: Condition, s: RuleSubject = subject()) => evaluateRules([compileRule(rule({ all: [c] }))], s).fired.length === 1;

describe('conditions, field by field', () => {
  it('channel and provider: is, isNot, in, notIn', () => {
    expect(holds({ field: 'channel', op: 'is', value: 'whatsapp' })).toBe(true);
    expect(holds({ field: 'channel', op: 'is', value: 'sms' })).toBe(false);
    expect(holds({ field: 'channel', op: 'isNot', value: 'sms' })).toBe(true);
    expect(holds({ field: 'channel', op: 'in', value: ['sms', 'whatsapp'] })).toBe(true);
    expect(holds({ field: 'channel', op: 'notIn', value: ['sms', 'whatsapp'] })).toBe(false);
    expect(holds({ field: 'provider', op: 'is', value: 'meta' })).toBe(true);
    expect(holds({ field: 'provider', op: 'in', value: ['twilio'] })).toBe(false);
  });

  it("from: the sender's address, case-insensitive; matches with RE2", () => {
    expect(holds({ field: 'from', op: 'is', value: 'ana@bigcorp.example' })).toBe(true);
    expect(holds({ field: 'from', op: 'in', value: ['x@y.example', 'ANA@bigcorp.EXAMPLE'] })).toBe(true);
    expect(holds({ field: 'from', op: 'notIn', value: ['ana@bigcorp.example'] })).toBe(false);
    expect(holds({ field: 'from', op: 'matches', value: '@bigcorp\\.example$' })).toBe(true);
    expect(holds({ field: 'from', op: 'matches', value: '^\\+44' })).toBe(false);
  });

  it('language, abusive and sentiment from the signals', () => {
    const s = subject({ signals: { language: 'cy', sentiment: -0.7, abusive: true } });
    expect(holds({ field: 'language', op: 'is', value: 'cy' }, s)).toBe(true);
    expect(holds({ field: 'language', op: 'in', value: ['ha', 'tr'] }, s)).toBe(false);
    expect(holds({ field: 'abusive', op: 'is', value: true }, s)).toBe(true);
    expect(holds({ field: 'abusive', op: 'isNot', value: true }, s)).toBe(false);
    expect(holds({ field: 'sentiment', op: 'lt', value: -0.5 }, s)).toBe(true);
    expect(holds({ field: 'sentiment', op: 'gt', value: -0.5 }, s)).toBe(false);
    expect(holds({ field: 'sentiment', op: 'lt', value: -0.7 }, s)).toBe(false); // strict
  });

  it('businessHours: open or closed by the named calendar at the message time', () => {
    expect(holds({ field: 'businessHours', op: 'is', value: 'open', calendar: 'ops' })).toBe(true);
    expect(holds({ field: 'businessHours', op: 'is', value: 'closed', calendar: 'ops' })).toBe(false);
    expect(holds({ field: 'businessHours', op: 'is', value: 'closed', calendar: 'ops' }, subject({ at: MONDAY_NIGHT }))).toBe(true);
    expect(holds({ field: 'businessHours', op: 'isNot', value: 'open', calendar: 'ops' }, subject({ at: MONDAY_NIGHT }))).toBe(true);
    // A calendar removed from the settings since the rule was saved never holds.
    expect(holds({ field: 'businessHours', op: 'is', value: 'open', calendar: 'gone' })).toBe(false);
    expect(holds({ field: 'businessHours', op: 'is', value: 'closed', calendar: 'gone' })).toBe(false);
  });

  it('status, priority, tags and identityKind from the ticket and the sender', () => {
    const s = subject({ identityKind: 'email', ticket: { status: 'open', priority: 'high', tags: ['vip', 'billing'] } });
    expect(holds({ field: 'status', op: 'is', value: 'open' }, s)).toBe(true);
    expect(holds({ field: 'priority', op: 'in', value: ['high', 'urgent'] }, s)).toBe(true);
    expect(holds({ field: 'priority', op: 'isNot', value: 'high' }, s)).toBe(false);
    expect(holds({ field: 'tags', op: 'is', value: 'vip' }, s)).toBe(true);
    expect(holds({ field: 'tags', op: 'isNot', value: 'vip' }, s)).toBe(false);
    expect(holds({ field: 'tags', op: 'in', value: ['x', 'billing'] }, s)).toBe(true);
    expect(holds({ field: 'tags', op: 'notIn', value: ['x', 'y'] }, s)).toBe(true);
    expect(holds({ field: 'identityKind', op: 'is', value: 'email' }, s)).toBe(true);
    expect(holds({ field: 'identityKind', op: 'in', value: ['phone', 'wa'] }, s)).toBe(false);
  });

  it('subject: absent on non-email messages, so it never matches', () => {
    expect(holds({ field: 'subject', op: 'contains', value: ['refund'] })).toBe(false);
    expect(holds({ field: 'subject', op: 'matches', value: '.*' })).toBe(false);
    expect(holds({ field: 'subject', op: 'matches', value: '^re:' }, subject({ subject: 'RE: your refund' }))).toBe(true);
  });
});

describe('contains: words and phrases, case- and accent-insensitive, on word boundaries', () => {
  const has = (text: string, words: string[]) => holds({ field: 'text', op: 'contains', value: words }, subject({ text }));

  it('ignores case and accents, and compatibility forms', () => {
    expect(has('Mi TARJETA fue robáda', ['robada'])).toBe(true);
    expect(has('mi tarjeta fue robada', ['ROBÁDA'])).toBe(true);
    expect(has('Çok acil, kartım çalındı', ['calindi'])).toBe(true);
    expect(has('Straße gesperrt', ['strasse'])).toBe(true);
    expect(has('ＦＲＡＵＤ alert', ['fraud'])).toBe(true); // full-width letters
    expect(has('Mae fy ngherdyn wedi’i ddwyn', ['wedi i ddwyn'])).toBe(true); // Welsh, apostrophe between words
  });

  it('matches whole words and phrases only', () => {
    expect(has('my card was stolen', ['stole'])).toBe(false);
    expect(has('a scunthorpe resident', ['cunt'])).toBe(false);
    expect(has('please block my card now', ['block my card'])).toBe(true);
    expect(has('please block the card', ['block my card'])).toBe(false);
    expect(has('fraud!', ['fraud'])).toBe(true);
    expect(has('fraudulent', ['fraud'])).toBe(false);
  });

  it('any of the list', () => {
    expect(has('I think this is a scam', ['fraud', 'scam'])).toBe(true);
    expect(has('hello there', ['fraud', 'scam'])).toBe(false);
  });

  it('folds with the helpers directly', () => {
    expect(wordForm('  Héllo,   WORLD!! ')).toBe(' hello world ');
    expect(containsAny(wordForm('Ünïcödé text'), phrases(['unicode']))).toBe(true);
    expect(phrases(['...', 'ok'])).toEqual([' ok ']);
  });

  it('inspects the first 4,096 characters only', () => {
    const text = `${'x '.repeat(2048)}fraud`;
    expect(has(text, ['fraud'])).toBe(false);
    expect(has(`fraud ${text}`, ['fraud'])).toBe(true);
  });
});

describe('matches: RE2 (linear time)', () => {
  // 4,095 characters and the one that makes the match fail: all of it is inspected.
  const long = 'a'.repeat(4095);
  it.each([
    ['(a+)+$', `${long}!`],
    ['(a|aa)*b', long],
    ['(.*a){20}b', long],
    ['^(a|a)*$', `${long}x`],
    ['(x+x+)+y', 'x'.repeat(4096)],
  ])('a pattern catastrophic for backtracking engines, %s, answers the correct false on 4k characters', (pattern, text) => {
    const p = compilePattern(pattern);
    expect(p.ok).toBe(true);
    expect(holds({ field: 'text', op: 'matches', value: pattern }, subject({ text }))).toBe(false);
  });

  it('still finds a real match on a long text', () => {
    expect(holds({ field: 'text', op: 'matches', value: '(a|aa)*b' }, subject({ text: `${'a'.repeat(4000)}b` }))).toBe(true);
  });

  it('is case-insensitive unless the pattern says (?-i)', () => {
    expect(holds({ field: 'text', op: 'matches', value: 'order #\\d{6}' }, subject({ text: 'ORDER #123456' }))).toBe(true);
    expect(holds({ field: 'text', op: 'matches', value: '(?-i)order' }, subject({ text: 'ORDER' }))).toBe(false);
  });

  it.each([
    ['(a)\\1', 'backreferences'],
    ['(?<n>a)\\k<n>', 'backreferences'],
    ['(?=x)', 'lookahead and lookbehind'],
    ['(?!x)y', 'lookahead and lookbehind'],
    ['(?<=y)x', 'lookahead and lookbehind'],
    ['(?<!y)', 'lookahead and lookbehind'],
    ['[a-', 'missing closing ]'],
  ])('refuses %s, naming the problem', (pattern, problem) => {
    const p = compilePattern(pattern);
    expect(p.ok).toBe(false);
    expect(p.ok ? '' : p.problem).toContain(problem);
  });
});

describe('evaluateRules', () => {
  it('all must hold; any, when given, needs one; matched lists the conditions that held', () => {
    const r = rule({
      all: [{ field: 'channel', op: 'is', value: 'whatsapp' }],
      any: [
        { field: 'text', op: 'contains', value: ['stolen'] },
        { field: 'text', op: 'contains', value: ['fraud'] },
        { field: 'text', op: 'contains', value: ['blocked'] },
      ],
    });
    const ev = evaluateRules([compileRule(r)], subject({ text: 'fraud! my card was stolen' }));
    expect(ev.fired).toHaveLength(1);
    expect(ev.fired[0]!.matched.map((c) => c.value)).toEqual(['whatsapp', ['stolen'], ['fraud']]);
    expect(evaluateRules([compileRule(r)], subject({ text: 'hello' })).fired).toEqual([]);
    expect(evaluateRules([compileRule(r)], subject({ channel: 'sms', text: 'fraud' })).fired).toEqual([]);
  });

  it('no conditions: fires on every message of its triggers; triggers are respected', () => {
    const created = rule({}, [{ type: 'addTags', value: ['new'] }], { on: ['ticket.created'] });
    expect(evaluateRules([compileRule(created)], subject()).fired).toHaveLength(1);
    expect(evaluateRules([compileRule(created)], subject({ triggers: new Set(['message.received']) })).fired).toHaveLength(0);
  });

  it('runs in position order, later rules see earlier changes, stop ends the run', () => {
    const first = rule({ all: [{ field: 'text', op: 'contains', value: ['urgent'] }] }, [{ type: 'setPriority', value: 'urgent' }], { position: 1 });
    const second = rule({ all: [{ field: 'priority', op: 'is', value: 'urgent' }] }, [{ type: 'addTags', value: ['escalated'] }, { type: 'assignTeam', value: 'tier2' }], { position: 2, stop: true });
    const third = rule({}, [{ type: 'addTags', value: ['never'] }], { position: 3 });
    const ev = evaluateRules(compileRules([third, second, first]), subject({ text: 'URGENT please' }));
    expect(ev.fired.map((f) => f.rule)).toEqual([first.id, second.id]);
    expect(ev.result).toMatchObject({ priority: 'urgent', tags: ['escalated'], team: 'tier2', by: { priority: first.id, tags: second.id, team: second.id } });
  });

  it('skips disabled rules', () => {
    expect(evaluateRules(compileRules([rule({}, undefined, { enabled: false })]), subject()).fired).toEqual([]);
  });

  it('actions: tags added once and removed, agent assignment, round-robin, notes', () => {
    const r = rule({}, [
      { type: 'addTags', value: ['a', 'b'] },
      { type: 'addTags', value: ['b', 'c'] },
      { type: 'removeTags', value: ['a'] },
      { type: 'assignRoundRobin', value: 'billing' },
      { type: 'addNote', value: 'Check the refund policy' },
    ]);
    const ev = evaluateRules([compileRule(r)], subject({ ticket: { tags: ['old'] } }));
    expect(ev.result).toMatchObject({ tags: ['old', 'b', 'c'], team: 'billing', roundRobinTeam: 'billing', assignee: null, notes: [{ rule: r.id, version: 1, action: 4, text: 'Check the refund policy' }] });
    const agent = evaluateRules([compileRule(rule({}, [{ type: 'assignRoundRobin', value: 'billing' }, { type: 'assignAgent', value: 'ana' }]))], subject());
    expect(agent.result).toMatchObject({ assignee: 'ana', roundRobinTeam: null, team: 'billing' });
  });

  it("never overrides a person's assignment: team, agent and round-robin are skipped and say why", () => {
    const r = rule({}, [{ type: 'setPriority', value: 'high' }, { type: 'assignAgent', value: 'bot' }, { type: 'assignTeam', value: 'x' }, { type: 'assignRoundRobin', value: 'y' }]);
    const ev = evaluateRules([compileRule(r)], subject({ ticket: { assignee: 'ana', assignedBy: 'api:agent' } }));
    expect(ev.result).toMatchObject({ priority: 'high', assignee: 'ana', team: null, roundRobinTeam: null });
    expect(ev.fired[0]!.applied).toEqual([{ type: 'setPriority', value: 'high' }]);
    expect(ev.fired[0]!.skipped.map((s) => s.action.type)).toEqual(['assignAgent', 'assignTeam', 'assignRoundRobin']);
    expect(ev.fired[0]!.skipped[0]!.reason).toContain('api:agent');
    // An assignment a rule made is not a person's: a later rule may change it.
    const byRule = evaluateRules([compileRule(r)], subject({ ticket: { assignee: 'ana', assignedBy: 'rule:R0' } }));
    expect(byRule.result.assignee).toBe('bot');
    // Assigned before assignedBy was recorded (no assignedBy): only rules write `rule:`, so a person did.
    const legacy = evaluateRules([compileRule(r)], subject({ ticket: { assignee: 'ben' } }));
    expect(legacy.result.assignee).toBe('ben');
    expect(legacy.fired[0]!.skipped.map((s) => s.action.type)).toEqual(['assignAgent', 'assignTeam', 'assignRoundRobin']);
    // A person's unassignment leaves their actor as assignedBy: rules do not assign it again.
    expect(evaluateRules([compileRule(r)], subject({ ticket: { assignedBy: 'agent:jo' } })).result.assignee).toBeNull();
  });

  it('caps notes at 5 per message and tags at 50 per ticket; what is left out is skipped with the reason', () => {
    const notes = Array.from({ length: 4 }, (_, i) => ({ type: 'addNote' as const, value: `n${i}` }));
    const ev = evaluateRules(compileRules([rule({}, notes), rule({}, notes)]), subject({ ticket: { tags: Array.from({ length: 48 }, (_, i) => `t${i}`) } }));
    expect(ev.result.notes.map((n) => n.text)).toEqual(['n0', 'n1', 'n2', 'n3', 'n0']);
    expect(ev.fired[1]!.skipped).toHaveLength(3);
    expect(ev.fired[1]!.skipped[0]!.reason).toBe('at most 5 notes are added per message');
    const tags = evaluateRules([compileRule(rule({}, [{ type: 'addTags', value: ['t0', 'x', 'y', 'z'] }]))], subject({ ticket: { tags: Array.from({ length: 48 }, (_, i) => `t${i}`) } }));
    expect(tags.result.tags).toHaveLength(50);
    expect(tags.result.tags.slice(-2)).toEqual(['x', 'y']);
    expect(tags.fired[0]!.skipped).toEqual([{ action: { type: 'addTags', value: ['z'] }, reason: 'a ticket has at most 50 tags' }]);
  });

  it('contains at its largest (200 rules × 20 conditions × 50 phrases of 100 characters) on a 4k text: correct', () => {
    const word = 'a'.repeat(95) + 'b';
    const cond: Condition = { field: 'text', op: 'contains', value: Array.from({ length: 50 }, (_, i) => `${word}${i}`) };
    const rules = compileRules(Array.from({ length: 200 }, () => rule({ any: Array(20).fill(cond) })));
    expect(evaluateRules(rules, subject({ text: ('a'.repeat(200) + ' ').repeat(20) })).fired).toEqual([]);
    expect(evaluateRules(rules, subject({ text: `hello ${word}49 there` })).fired).toHaveLength(200);
    // A phrase: its words in that order, nothing else.
    const phrase = compileRules([rule({ all: [{ field: 'text', op: 'contains', value: ['block my card'] }] })]);
    expect(evaluateRules(phrase, subject({ text: 'my card block' })).fired).toEqual([]);
    expect(evaluateRules(phrase, subject({ text: 'please BLOCK my card!' })).fired).toHaveLength(1);
  });

  it('the largest rule set allowed (200 rules, 20 conditions each, 50 patterns in all) on a 4k text: correct, nothing fires', () => {
    const words: Condition[] = Array.from({ length: 20 }, (_, i) => ({ field: 'text', op: 'contains', value: [`word${i}`, 'phrase of words'] }));
    const rules = Array.from({ length: 200 }, (_, r) => rule({ any: r < 50 ? [...words.slice(1), { field: 'text', op: 'matches', value: `(a|aa)*b${r}` }] : words }));
    const ev = evaluateRules(compileRules(rules), subject({ text: 'a'.repeat(4096) }));
    expect(ev.fired).toEqual([]);
  });
});
