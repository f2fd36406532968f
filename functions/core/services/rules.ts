/** What the REST API does with triage rules: list, read, create, replace, delete, and try one on a sample message. */
import { ClientError } from '../errors.ts';
import type { CoreDeps } from '../ports.ts';
import { compileRules, evaluateRules, type FiredRule } from '../rules/evaluate.ts';
import { rulesOf } from '../rules/ports.ts';
import { needsRe2, ordered, patternCount, patternWeight, RULE_LIMITS, unknownCalendars, type Rule } from '../rules/model.ts';
import type { RuleInput } from '../rules/schema.ts';
import { loadRe2 } from '../rules/text.ts';
import type { Signals } from '../signals/index.ts';
import type { Channel, IdentityKind, Priority } from '../types.ts';
import { nextMember } from './teams.ts';

export { rulesOf };

const notFound = (id: string) => new ClientError(404, 'not_found', `No rule with id "${id.slice(0, 64)}".`);
const stale = (current: number, asked?: number) =>
  new ClientError(412, 'version_mismatch', asked === undefined ? 'The rule changed meanwhile; read it again.' : `The rule is at version ${current}, not ${asked}; read it again.`);

/** Calendars must exist when the rule is saved (a typo would make the rule never fire). */
function checkCalendars(deps: CoreDeps, input: RuleInput): void {
  const missing = unknownCalendars(input, deps.settings.sla.calendars);
  if (missing.length === 0) return;
  const known = Object.keys(deps.settings.sla.calendars);
  throw new ClientError(400, 'invalid_body', `Unknown calendar "${missing[0]!.slice(0, 64)}"; BUSINESS_CALENDARS defines ${known.length ? known.join(', ') : 'none'}.`, [
    { path: 'conditions', message: `unknown calendar ${missing[0]!.slice(0, 64)}` },
  ]);
}

const tooManyPatterns = (detail: string) =>
  new ClientError(
    409,
    'too_many_patterns',
    `Rules may hold ${RULE_LIMITS.maxPatterns} \`matches\` conditions whose RE2 programs add up to ${RULE_LIMITS.maxPatternWeight} instructions in all; ${detail}. Use \`contains\` where words will do.`,
  );

/**
 * The patterns of every rule together stay within RULE_LIMITS.maxPatterns and maxPatternWeight (what
 * one message may cost). Checked here for a clear message; the store enforces it atomically too.
 */
function checkPatterns(others: readonly Rule[], input: RuleInput, replacing?: string): void {
  if (patternCount(input) === 0) return;
  const rest = others.filter((r) => r.id !== replacing);
  const count = rest.reduce((n, r) => n + patternCount(r), 0) + patternCount(input);
  const weight = rest.reduce((n, r) => n + patternWeight(r), 0) + patternWeight(input);
  if (count > RULE_LIMITS.maxPatterns) throw tooManyPatterns(`this would make ${count} conditions`);
  if (weight > RULE_LIMITS.maxPatternWeight) throw tooManyPatterns(`this would make ${weight} instructions`);
}

export async function listRules(deps: CoreDeps): Promise<Rule[]> {
  return ordered(await rulesOf(deps).store.listRules());
}

export async function getRule(deps: CoreDeps, id: string): Promise<Rule> {
  const rule = await rulesOf(deps).store.getRule(id);
  if (!rule) throw notFound(id);
  return rule;
}

export async function createRule(deps: CoreDeps, input: RuleInput): Promise<Rule> {
  checkCalendars(deps, input);
  // Costing patterns (here and in the store) compiles them; the route loaded RE2 to validate the body already.
  if (needsRe2([input])) await loadRe2();
  const { store } = rulesOf(deps);
  const now = deps.clock.now().toISOString();
  const existing = await store.listRules();
  checkPatterns(existing, input);
  const position = input.position ?? existing.reduce((max, r) => Math.max(max, r.position + 1), 0);
  const rule: Rule = { ...input, id: deps.ids.newId(), position: Math.min(position, 1_000_000), version: 1, createdAt: now, updatedAt: now };
  const r = await store.createRule(rule, RULE_LIMITS);
  if (r === 'full') throw new ClientError(409, 'too_many_rules', `There are ${RULE_LIMITS.maxRules} rules already, the most there can be; delete or merge some first.`);
  if (r === 'too_many_patterns') throw tooManyPatterns('a concurrent change used what was left');
  return rule;
}

export async function replaceRule(deps: CoreDeps, id: string, input: RuleInput, ifMatch: number | undefined): Promise<Rule> {
  checkCalendars(deps, input);
  const { store } = rulesOf(deps);
  const current = await getRule(deps, id);
  if (ifMatch !== undefined && ifMatch !== current.version) throw stale(current.version, ifMatch);
  if (needsRe2([input, current])) await loadRe2();
  if (patternCount(input) > patternCount(current) || patternWeight(input) > patternWeight(current)) checkPatterns(await store.listRules(), input, id);
  const rule: Rule = { ...input, id, position: input.position ?? current.position, version: current.version + 1, createdAt: current.createdAt, updatedAt: deps.clock.now().toISOString() };
  const r = await store.replaceRule(rule, current, RULE_LIMITS);
  if (r === 'stale') throw stale(current.version);
  if (r === 'too_many_patterns') throw tooManyPatterns('a concurrent change used what was left');
  return rule;
}

export async function deleteRule(deps: CoreDeps, id: string, ifMatch: number | undefined): Promise<void> {
  // The store takes the stored rule's pattern cost off the totals, which compiles its patterns: we
  // cannot know before it reads the rule whether it has any, and deletes are rare.
  await loadRe2();
  const r = await rulesOf(deps).store.deleteRule(id, ifMatch);
  if (r === 'missing') throw notFound(id);
  if (r === 'stale') throw stale((await getRule(deps, id)).version, ifMatch);
}

export interface SampleMessage {
  readonly channel: Channel;
  readonly text: string;
  readonly subject?: string | undefined;
  readonly from?: string | undefined;
  readonly provider?: string | undefined;
}

/** The provider a sample stands for when it names none (the channel's usual one). */
const DEFAULT_PROVIDER: Readonly<Record<string, string>> = { sms: 'twilio', whatsapp: 'meta', messenger: 'meta', instagram: 'meta', email: 'sendgrid', telegram: 'telegram', x: 'x', viber: 'messagebird', api: 'api', voice: 'twilio' };
const IDENTITY_OF: Readonly<Record<string, IdentityKind>> = { sms: 'phone', whatsapp: 'wa', messenger: 'psid', instagram: 'igsid', email: 'email', telegram: 'telegram', x: 'x', viber: 'phone', api: 'external', voice: 'phone' };

export interface RuleTrial {
  readonly signals: Signals;
  readonly fired: ReadonlyArray<Omit<FiredRule, 'applied'> & { readonly actions: FiredRule['applied'] }>;
  readonly result: {
    readonly priority: Priority;
    readonly tags: readonly string[];
    readonly team: string | null;
    readonly assignee: string | null;
    /** A round-robin the rules would start: its team and the member whose turn is next (the counter is not moved). */
    readonly roundRobin: { readonly team: string; readonly next: string | null; readonly reason?: string } | null;
    readonly notes: readonly string[];
  };
}

/** What the current rules would do with this message as a new ticket's first message. Writes nothing. */
export async function tryRules(deps: CoreDeps, sample: SampleMessage): Promise<RuleTrial> {
  const { store } = rulesOf(deps);
  // Loaded on first use: the api function runs this route rarely, and the detectors' data costs init time.
  const { detectSignals } = await import('../signals/index.ts');
  const signals = detectSignals({ text: sample.text, subject: sample.subject });
  // The stored rules as they are now (not the ingest cache).
  const list = await store.listRules();
  if (needsRe2(list)) await loadRe2();
  const rules = compileRules(list);
  const identityKind: IdentityKind = sample.channel === 'sms' && sample.from && !/^\+?[0-9]+$/.test(sample.from) ? 'sms-sender' : (IDENTITY_OF[sample.channel] ?? 'external');
  const { fired, result } = evaluateRules(rules, {
    triggers: new Set(['ticket.created', 'message.received']),
    channel: sample.channel,
    provider: sample.provider ?? DEFAULT_PROVIDER[sample.channel] ?? sample.channel,
    from: sample.from ?? '',
    text: sample.text,
    subject: sample.subject,
    identityKind,
    signals,
    ticket: { status: 'open', priority: 'normal', tags: [] },
    at: deps.clock.now().getTime(),
    calendars: deps.settings.sla.calendars,
  });
  let roundRobin: RuleTrial['result']['roundRobin'] = null;
  if (result.roundRobinTeam !== null && result.assignee === null) {
    const turn = await store.peekTurn(result.roundRobinTeam);
    const next = turn ? await nextMember(store, turn) : undefined;
    roundRobin = { team: result.roundRobinTeam, next: next?.member ?? null, ...(next?.member ? {} : { reason: turn ? (next?.reason ?? 'no member available') : `no team named ${result.roundRobinTeam}` }) };
  }
  return {
    signals,
    fired: fired.map(({ applied, ...f }) => ({ rule: f.rule, name: f.name, version: f.version, matched: f.matched, actions: applied, skipped: f.skipped })),
    result: { priority: result.priority, tags: result.tags, team: result.team, assignee: result.assignee, roundRobin, notes: result.notes.map((n) => n.text) },
  };
}
