/**
 * Rule evaluation: a pure function of the rules (in order) and one message with its ticket. Rules
 * run in position order; each sees the ticket as earlier rules left it (priority, tags), and a rule
 * with `stop` ends the run when it fires. Bounded: at most 200 rules × 20 conditions, text and
 * subject cut to fixed lengths, patterns run by RE2 (linear time).
 */
import type { Calendar } from '../calendar.ts';
import type { Signals } from '../signals/index.ts';
import type { Channel, IdentityKind, Priority, TicketStatus } from '../types.ts';
import { ordered, RULE_LIMITS, type Rule, type RuleTrigger } from './model.ts';
import type { Action, Condition } from './schema.ts';
import { compilePattern, containsAny, phrases, wordForm, wordSet, type Pattern } from './text.ts';

/** One message as rules see it. */
export interface RuleSubject {
  /** The triggers this message is (a message opening a ticket is both). */
  readonly triggers: ReadonlySet<RuleTrigger>;
  readonly channel: Channel;
  readonly provider: string;
  /** The sender's address as the provider gave it. */
  readonly from: string;
  readonly text: string;
  readonly subject?: string | undefined;
  readonly identityKind: IdentityKind;
  readonly signals: Signals;
  /** The ticket once the message is on it, before any rule. */
  readonly ticket: {
    readonly status: TicketStatus;
    readonly priority: Priority;
    readonly tags: readonly string[];
    readonly team?: string | undefined;
    readonly assignee?: string | undefined;
    /** Who assigned it: `agent:`/`api:` is a human, whose choice rules never override. */
    readonly assignedBy?: string | undefined;
  };
  /** When the message arrived (ms), for businessHours. */
  readonly at: number;
  readonly calendars: Readonly<Record<string, Calendar>>;
}

export interface FiredRule {
  readonly rule: string;
  readonly name: string;
  readonly version: number;
  readonly matched: readonly Condition[];
  /** The actions that took effect. */
  readonly applied: readonly Action[];
  /** Actions that did not, and why (e.g. a human's assignment). */
  readonly skipped: ReadonlyArray<{ readonly action: Action; readonly reason: string }>;
}

export interface RuleOutcome {
  readonly priority: Priority;
  readonly tags: readonly string[];
  readonly team: string | null;
  readonly assignee: string | null;
  /** A team to assign round-robin within (the worker picks the member). */
  readonly roundRobinTeam: string | null;
  /** At most RULE_LIMITS.maxNotesPerMessage; `action` is the note's index in the rule's actions. */
  readonly notes: ReadonlyArray<{ readonly rule: string; readonly version: number; readonly action: number; readonly text: string }>;
  /** The rule that last set each field (its actor). */
  readonly by: { readonly priority?: string; readonly tags?: string; readonly team?: string; readonly assignee?: string; readonly roundRobin?: string };
}

export interface Evaluation {
  readonly fired: readonly FiredRule[];
  readonly result: RuleOutcome;
}

type Test = (s: RuleSubject, memo: Memo) => boolean;
/**
 * What one message's evaluation has worked out so far: its text in word form, and the result of
 * every condition that depends on the message alone (not on the ticket). Kept across the ingest's
 * attempts (core/rules/apply.ts), so patterns and phrases run once per message however many times
 * the transaction is retried. Valid for one message only.
 */
export interface Memo {
  text?: string;
  subject?: string;
  textWords?: ReadonlySet<string>;
  subjectWords?: ReadonlySet<string>;
  readonly results: Map<CompiledCondition, boolean>;
}
export const newMemo = (): Memo => ({ results: new Map() });

interface CompiledCondition {
  readonly source: Condition;
  readonly test: Test;
}
/** Fields whose conditions depend on the ticket (re-evaluated on every attempt and after every rule). */
const TICKET_FIELDS: ReadonlySet<string> = new Set(['status', 'priority', 'tags']);

/** A rule ready to run: patterns compiled and phrases folded once (per cache refresh, not per message). */
export interface CompiledRule {
  readonly rule: Rule;
  readonly all: readonly CompiledCondition[];
  readonly any: readonly CompiledCondition[];
}

const textOf = (s: RuleSubject) => s.text.slice(0, RULE_LIMITS.maxTextChars);
const subjectOf = (s: RuleSubject) => (s.subject ?? '').slice(0, RULE_LIMITS.maxSubjectChars);

function compileCondition(c: Condition): CompiledCondition {
  const list = (Array.isArray(c.value) ? c.value : [c.value]) as unknown[];
  const has = (x: unknown) => list.includes(x);
  const negate = c.op === 'isNot' || c.op === 'notIn';
  const eq = (pick: (s: RuleSubject) => unknown): Test => (s) => has(pick(s)) !== negate;
  let test: Test;
  switch (c.field) {
    case 'text':
    case 'subject': {
      const raw = c.field === 'text' ? textOf : subjectOf;
      if (c.op === 'matches') {
        const r = compilePattern(String(c.value));
        // A stored pattern always compiled when saved; one that no longer does never matches.
        const p: Pattern | undefined = r.ok ? r.pattern : undefined;
        test = (s) => (c.field === 'subject' && s.subject === undefined ? false : (p?.test(raw(s)) ?? false));
      } else {
        const forms = phrases(list.map(String));
        test = (s, memo) => {
          if (c.field === 'subject' && s.subject === undefined) return false;
          if (c.field === 'text') {
            memo.text ??= wordForm(raw(s));
            memo.textWords ??= wordSet(memo.text);
            return containsAny(memo.text, forms, memo.textWords);
          }
          memo.subject ??= wordForm(raw(s));
          memo.subjectWords ??= wordSet(memo.subject);
          return containsAny(memo.subject, forms, memo.subjectWords);
        };
      }
      break;
    }
    case 'from': {
      if (c.op === 'matches') {
        const r = compilePattern(String(c.value));
        const p: Pattern | undefined = r.ok ? r.pattern : undefined;
        test = (s) => p?.test(s.from.slice(0, 320)) ?? false;
      } else {
        const wanted = new Set(list.map((x) => String(x).toLowerCase()));
        test = (s) => wanted.has(s.from.toLowerCase()) !== negate;
      }
      break;
    }
    case 'channel':
      test = eq((s) => s.channel);
      break;
    case 'provider':
      test = eq((s) => s.provider);
      break;
    case 'language':
      test = eq((s) => s.signals.language);
      break;
    case 'identityKind':
      test = eq((s) => s.identityKind);
      break;
    case 'status':
      test = eq((s) => s.ticket.status);
      break;
    case 'priority':
      test = eq((s) => s.ticket.priority);
      break;
    case 'abusive':
      test = eq((s) => s.signals.abusive);
      break;
    case 'sentiment': {
      const v = Number(c.value);
      test = c.op === 'lt' ? (s) => s.signals.sentiment < v : (s) => s.signals.sentiment > v;
      break;
    }
    case 'businessHours': {
      const want = c.value === 'open';
      // A calendar removed from the settings since the rule was saved: the condition never holds.
      test = (s) => {
        const cal = c.calendar !== undefined && Object.hasOwn(s.calendars, c.calendar) ? s.calendars[c.calendar] : undefined;
        return cal !== undefined && (cal.isOpen(s.at) === want) !== (c.op === 'isNot');
      };
      break;
    }
    case 'tags':
      test = (s) => s.ticket.tags.some((t) => has(t)) !== negate;
      break;
  }
  if (TICKET_FIELDS.has(c.field)) return { source: c, test };
  const self: CompiledCondition = {
    source: c,
    test: (s, memo) => {
      const known = memo.results.get(self);
      if (known !== undefined) return known;
      const r = test(s, memo);
      memo.results.set(self, r);
      return r;
    },
  };
  return self;
}

export function compileRule(rule: Rule): CompiledRule {
  return { rule, all: (rule.conditions.all ?? []).map(compileCondition), any: (rule.conditions.any ?? []).map(compileCondition) };
}

/** Enabled rules, compiled, in the order they run (at most RULE_LIMITS.maxRules). */
export const compileRules = (rules: readonly Rule[]): CompiledRule[] =>
  ordered(rules)
    .filter((r) => r.enabled)
    .slice(0, RULE_LIMITS.maxRules)
    .map(compileRule);

/**
 * Who assigned the ticket, when a person did: only rules write `rule:`, so anything else (`agent:`,
 * `api:`, or no assignedBy at all: assigned before assignedBy was recorded) is a person's choice.
 * An unassignment by a person leaves `assignedBy` (their actor) with no assignee: rules do not
 * assign that ticket again either.
 */
function humanChoice(t: RuleSubject['ticket']): string | undefined {
  if (t.assignedBy?.startsWith('rule:')) return undefined;
  if (t.assignedBy !== undefined) return t.assignedBy;
  return t.assignee !== undefined ? 'a person, before assignments were attributed' : undefined;
}

/** Run the rules on one message. Writes nothing; the caller turns the outcome into events. `memo`: see Memo. */
export function evaluateRules(rules: readonly CompiledRule[], subject: RuleSubject, memo: Memo = newMemo()): Evaluation {
  const t = subject.ticket;
  const humanAssignee = humanChoice(t);
  let priority = t.priority;
  let tags = [...t.tags];
  let team = t.team ?? null;
  let assignee = t.assignee ?? null;
  let roundRobinTeam: string | null = null;
  const notes: Array<RuleOutcome['notes'][number]> = [];
  const by: { -readonly [K in keyof RuleOutcome['by']]: string } = {};
  const fired: FiredRule[] = [];

  for (const { rule, all, any } of rules) {
    if (!rule.on.some((trigger) => subject.triggers.has(trigger))) continue;
    // Later rules see what earlier ones did to priority and tags.
    const now: RuleSubject = { ...subject, ticket: { ...t, priority, tags } };
    if (!all.every((c) => c.test(now, memo))) continue;
    const anyHeld = any.filter((c) => c.test(now, memo));
    if (any.length > 0 && anyHeld.length === 0) continue;
    const applied: Action[] = [];
    const skipped: Array<{ action: Action; reason: string }> = [];
    for (const [index, action] of rule.actions.entries()) {
      switch (action.type) {
        case 'setPriority':
          priority = action.value;
          by.priority = rule.id;
          break;
        case 'addTags': {
          const fresh = [...new Set(action.value)].filter((x) => !tags.includes(x));
          const room = Math.max(0, RULE_LIMITS.maxTicketTags - tags.length);
          if (fresh.length > room) skipped.push({ action: { type: 'addTags', value: fresh.slice(room) }, reason: `a ticket has at most ${RULE_LIMITS.maxTicketTags} tags` });
          if (room === 0) continue;
          tags = [...tags, ...fresh.slice(0, room)];
          by.tags = rule.id;
          break;
        }
        case 'removeTags':
          tags = tags.filter((x) => !action.value.includes(x));
          by.tags = rule.id;
          break;
        case 'addNote':
          if (notes.length >= RULE_LIMITS.maxNotesPerMessage) {
            skipped.push({ action, reason: `at most ${RULE_LIMITS.maxNotesPerMessage} notes are added per message` });
            continue;
          }
          notes.push({ rule: rule.id, version: rule.version, action: index, text: action.value });
          break;
        case 'assignTeam':
        case 'assignAgent':
        case 'assignRoundRobin':
          if (humanAssignee) {
            skipped.push({ action, reason: `the ticket's assignment was set by ${humanAssignee.includes(':') ? `a person (${humanAssignee})` : humanAssignee}; rules never override that` });
            continue;
          }
          if (action.type === 'assignAgent') {
            assignee = action.value;
            roundRobinTeam = null;
            by.assignee = rule.id;
          } else {
            team = action.value;
            by.team = rule.id;
            if (action.type === 'assignRoundRobin') {
              roundRobinTeam = action.value;
              by.roundRobin = rule.id;
            }
          }
          break;
      }
      applied.push(action);
    }
    fired.push({ rule: rule.id, name: rule.name, version: rule.version, matched: [...all.map((c) => c.source), ...anyHeld.map((c) => c.source)], applied, skipped });
    if (rule.stop) break;
  }
  return { fired, result: { priority, tags, team, assignee, roundRobinTeam, notes, by } };
}
