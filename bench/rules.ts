/**
 * Worst case of the largest rule set the API accepts (README → Triage rules → Bounds): 200 rules ×
 * 20 conditions, `matches` patterns at their caps (50 patterns, each ≤ 100 RE2 instructions, ≤ 1,000
 * in all), the other conditions `contains` with 50 phrases of 100 characters, on a 4,096-character
 * text that matches nothing. Run: `npx node bench/rules.ts`.
 */
import { compileRules, evaluateRules, newMemo, type RuleSubject } from '../functions/core/rules/evaluate.ts';
import { patternWeight, RuleInputSchema, RULE_LIMITS, type Rule } from '../functions/core/rules/schema.ts';
import { loadRe2 } from '../functions/core/rules/text.ts';

// Functions load RE2 only when a rule holds a pattern; this bench compiles patterns from the start.
await loadRe2();

const stored = (input: unknown, i: number): Rule => ({ ...RuleInputSchema.parse(input), id: `R${i}`, position: i, version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
const subject = (text: string): RuleSubject => ({
  triggers: new Set(['ticket.created', 'message.received']), channel: 'sms', provider: 'twilio', from: '+15550001111', text, identityKind: 'phone',
  signals: { language: 'en', sentiment: 0, abusive: false }, at: 0, calendars: {}, ticket: { status: 'open', priority: 'normal', tags: [] },
});
function time(label: string, rules: Rule[], text: string) {
  const compiled = compileRules(rules);
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    evaluateRules(compiled, subject(text), newMemo());
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label}: median ${runs[3]!.toFixed(1)} ms, max ${runs[6]!.toFixed(1)} ms`);
}

// Patterns at the caps: 10 of ~100 instructions (`.{97}x`-like, all threads alive on every character) = the 1,000 budget.
const heavy = ['.{96}x', '[a-z]{1,48}q', '(?:.{48}|.{47})x', '\\w{96}z', '(.*a){30}b', '.{95}y', '[^x]{96}x', '(?:[a-z]+\\s){40}q', '.{94}w', '(?:.{30}){3}v'];
const okHeavy = heavy.filter((p) => RuleInputSchema.safeParse({ name: 'x', on: ['ticket.created'], conditions: { all: [{ field: 'text', op: 'matches', value: p }] }, actions: [{ type: 'addTags', value: ['x'] }] }).success);
let budget: number = RULE_LIMITS.maxPatternWeight;
const patterns: string[] = [];
for (const p of [...okHeavy, ...okHeavy]) {
  const w = patternWeight({ conditions: { all: [{ field: 'text', op: 'matches', value: p }] } });
  if (w <= budget && patterns.length < RULE_LIMITS.maxPatterns) { patterns.push(p); budget -= w; }
}
const word = 'a'.repeat(95) + 'b';
const contains = { field: 'text', op: 'contains', value: Array.from({ length: 50 }, (_, i) => `${word}${i}`.slice(0, 100)) };
// As many 50-phrase conditions as a 16 KB rule holds (the rest of its 20 conditions: cheap channel tests).
const ruleInput = (i: number, k: number) => ({
  name: `r${i}`,
  on: ['ticket.created'],
  conditions: { any: [...(i < patterns.length ? [{ field: 'text', op: 'matches', value: patterns[i] }] : []), ...Array(k).fill(contains), ...Array(19 - k).fill({ field: 'channel', op: 'is', value: 'email' })] },
  actions: [{ type: 'addTags', value: ['x'] }],
});
let fit = 19;
while (!RuleInputSchema.safeParse(ruleInput(0, fit)).success) fit--;
console.log(`50-phrase contains conditions per 16 KB rule: ${fit}`);
const rules = Array.from({ length: 200 }, (_, i) => stored(ruleInput(i, fit), i));
console.log(`patterns: ${patterns.length}, RE2 instructions in all: ${RULE_LIMITS.maxPatternWeight - budget}`);
const text = ('a'.repeat(200) + ' ').repeat(21).slice(0, 4096);
const prose = 'hello world my card was stolen please help '.repeat(100).slice(0, 4096);
time('200 rules × 20 conditions at the caps, 4,096 characters of `a`s', rules, text);
time('same rules, 4,096 characters of prose', rules, prose);
time('20 keyword rules on a one-line message', rules.slice(patterns.length, patterns.length + 20), 'my card was stolen');
