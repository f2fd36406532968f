/**
 * Triage rules without zod: what a rule is (`Rule`), its bounds, which operator suits which field,
 * the checks a condition must pass, and the helpers the rule cache, the evaluator and the store use.
 * The zod schemas that validate a rule sent to the API are in ./schema.ts, which only the rules and
 * teams routes load (so no function builds them at init). Pure.
 */
import { CHANNELS, IDENTITY_KINDS, PRIORITIES, TICKET_STATUSES } from '../types.ts';
import { compilePattern, wordForm } from './text.ts';
import type { Action, Condition } from './schema.ts';

/** Documented bounds (README → Rules). */
export const RULE_LIMITS = {
  maxRules: 200,
  maxConditions: 20,
  maxActions: 20,
  /** Characters of a message's text that conditions inspect (the rest is ignored). */
  maxTextChars: 4096,
  /** Characters of a subject that conditions inspect. */
  maxSubjectChars: 998,
  maxPatternChars: 256,
  /**
   * RE2 is linear in the text but each match costs about (program size × text length): a pattern's
   * compiled program may hold at most this many instructions (`.{1000}` is 1,003; refused at save).
   */
  maxPatternSize: 100,
  /** `matches` conditions across all rules. */
  maxPatterns: 50,
  /** The program sizes of every rule's patterns added up: bounds what all patterns cost one message. */
  maxPatternWeight: 1000,
  /** A rule as JSON (UTF-8), so every rule item and every event citing it stay small. */
  maxRuleBytes: 16 * 1024,
  /** `addNote` actions that take effect on one message (the rest are skipped, with the reason). */
  maxNotesPerMessage: 5,
  /** Tags a ticket may hold (as PATCH /v1/tickets/{id}): rules add no more. */
  maxTicketTags: 50,
  maxAddressChars: 320,
  maxWords: 50,
  maxWordChars: 100,
  maxNoteChars: 2000,
  maxTags: 20,
} as const;

export const RULE_TRIGGERS = ['ticket.created', 'message.received'] as const;
export type RuleTrigger = (typeof RULE_TRIGGERS)[number];

export const RULE_FIELDS = ['channel', 'provider', 'from', 'text', 'subject', 'language', 'sentiment', 'abusive', 'businessHours', 'status', 'priority', 'tags', 'identityKind'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];
export const RULE_OPS = ['is', 'isNot', 'in', 'notIn', 'contains', 'matches', 'lt', 'gt'] as const;
export type RuleOp = (typeof RULE_OPS)[number];

const EQ = ['is', 'isNot', 'in', 'notIn'] as const;
type Kind = { readonly values: readonly string[] } | { readonly re: RegExp; readonly what: string } | 'number' | 'boolean' | 'text' | 'address';

/** Per field: the operators it takes and what its value is. */
export const FIELD_SPECS: Readonly<Record<RuleField, { readonly ops: readonly RuleOp[]; readonly kind: Kind; readonly doc: string }>> = {
  channel: { ops: EQ, kind: { values: CHANNELS }, doc: 'The channel the message came on.' },
  provider: { ops: EQ, kind: { re: /^[a-z0-9-]{1,32}$/, what: 'a provider name such as twilio, meta, sendgrid' }, doc: 'The provider that delivered it.' },
  from: { ops: [...EQ, 'matches'], kind: 'address', doc: "The sender's address as the provider gave it (phone, email, platform id); compared case-insensitively." },
  text: { ops: ['contains', 'matches'], kind: 'text', doc: `The message text (first ${RULE_LIMITS.maxTextChars} characters).` },
  subject: { ops: ['contains', 'matches'], kind: 'text', doc: 'The email subject (no subject: never matches).' },
  language: { ops: EQ, kind: { re: /^([a-z]{2,3}|und)$/, what: 'an ISO 639-1 or 639-3 code, or und' }, doc: "The message's detected language." },
  sentiment: { ops: ['lt', 'gt'], kind: 'number', doc: 'The sentiment score, -1 to 1.' },
  abusive: { ops: ['is', 'isNot'], kind: 'boolean', doc: 'Abuse detected in the message.' },
  businessHours: { ops: ['is', 'isNot'], kind: { values: ['open', 'closed'] }, doc: 'Whether the named `calendar` (SLA settings) is open when the message arrives.' },
  status: { ops: EQ, kind: { values: TICKET_STATUSES }, doc: "The ticket's status once the message is on it." },
  priority: { ops: EQ, kind: { values: PRIORITIES }, doc: "The ticket's priority (as earlier rules left it)." },
  tags: { ops: EQ, kind: { re: /^[^\s,][^,]{0,63}$/, what: 'a tag' }, doc: '`is`/`isNot`: has/lacks the tag; `in`/`notIn`: has any/none of the tags.' },
  identityKind: { ops: EQ, kind: { values: IDENTITY_KINDS }, doc: "The kind of the sender's identity (phone, email, wa, …)." },
};

/** What is wrong with a condition (empty when it is fine); the calendar's existence is checked by the service. */
export function conditionProblems(c: { field: RuleField; op: RuleOp; value: unknown; calendar?: string | undefined }): string[] {
  const spec = FIELD_SPECS[c.field];
  if (!spec) return [];
  if (!spec.ops.includes(c.op)) return [`${c.field} takes the operators ${spec.ops.join(', ')}, not ${c.op}`];
  const v = c.value;
  if (c.field === 'businessHours' ? !c.calendar : c.calendar !== undefined) return [c.field === 'businessHours' ? 'businessHours needs a calendar (a name from the SLA settings)' : 'only businessHours takes a calendar'];
  const list = c.op === 'in' || c.op === 'notIn' || c.op === 'contains';
  if (list && !Array.isArray(v)) return [`${c.op} takes a list of values`];
  if (!list && Array.isArray(v)) return [`${c.op} takes one value, not a list`];
  const items: unknown[] = Array.isArray(v) ? v : [v];
  const kind = spec.kind;
  if (kind === 'number') return typeof v === 'number' && Number.isFinite(v) && v >= -1 && v <= 1 ? [] : [`${c.field} compares with a number from -1 to 1`];
  if (kind === 'boolean') return typeof v === 'boolean' ? [] : [`${c.field} takes true or false`];
  if (kind === 'text' || kind === 'address') {
    if (c.op === 'matches') {
      if (typeof v !== 'string' || v.length === 0) return ['matches takes a non-empty regular expression'];
      if (v.length > RULE_LIMITS.maxPatternChars) return [`a pattern is at most ${RULE_LIMITS.maxPatternChars} characters`];
      const r = compilePattern(v);
      if (!r.ok) return [`the pattern is not supported: ${r.problem}`];
      if (r.pattern.size > RULE_LIMITS.maxPatternSize) {
        return [`the pattern is too costly: its RE2 program has ${r.pattern.size} instructions, at most ${RULE_LIMITS.maxPatternSize} (large counted repeats such as .{500} and long lists of alternatives cost the most; use contains for word lists)`];
      }
      return [];
    }
    if (kind === 'address') return items.every((x) => typeof x === 'string' && x.trim().length > 0 && x.length <= RULE_LIMITS.maxAddressChars) ? [] : [`from takes addresses of 1-${RULE_LIMITS.maxAddressChars} characters`];
    const long = items.find((x) => typeof x === 'string' && x.length > RULE_LIMITS.maxWordChars);
    if (long !== undefined) return [`contains takes words or phrases of at most ${RULE_LIMITS.maxWordChars} characters`];
    const empty = items.find((x) => typeof x !== 'string' || wordForm(x).trim().length === 0);
    return empty === undefined ? [] : [`contains matches letters and digits on word boundaries; ${JSON.stringify(empty).slice(0, 80)} has none, so it could never match`];
  }
  if (items.some((x) => typeof x === 'string' && x.length > 100)) return [`${c.field} takes values of at most 100 characters`];
  if ('values' in kind) {
    const bad = items.find((x) => typeof x !== 'string' || !kind.values.includes(x));
    return bad === undefined ? [] : [`${c.field} is one of ${kind.values.join(', ')}; ${JSON.stringify(bad).slice(0, 80)} is not`];
  }
  const bad = items.find((x) => typeof x !== 'string' || !kind.re.test(x));
  return bad === undefined ? [] : [`${c.field} takes ${kind.what}; ${JSON.stringify(bad).slice(0, 80)} is not`];
}

/** A stored rule. */
export interface Rule {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly on: readonly RuleTrigger[];
  readonly conditions: { readonly all?: readonly Condition[] | undefined; readonly any?: readonly Condition[] | undefined };
  readonly actions: readonly Action[];
  readonly stop: boolean;
  readonly position: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Rules in the order they run. */
export const ordered = (rules: readonly Rule[]): Rule[] => [...rules].sort((a, b) => a.position - b.position || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

/** Calendars a rule names that the settings lack. */
export const unknownCalendars = (rule: Pick<Rule, 'conditions'>, calendars: Readonly<Record<string, unknown>>): string[] =>
  [...(rule.conditions.all ?? []), ...(rule.conditions.any ?? [])].flatMap((c) => (c.calendar !== undefined && !Object.hasOwn(calendars, c.calendar) ? [c.calendar] : []));

const patternsOf = (rule: Pick<Rule, 'conditions'>) => [...(rule.conditions.all ?? []), ...(rule.conditions.any ?? [])].filter((c) => c.op === 'matches');

/**
 * Do any of these rules hold a `matches` condition, so compiling, validating or costing them needs
 * RE2 (`await loadRe2()` from ./text.ts first)? Disabled rules count too: their cost is still checked.
 */
export const needsRe2 = (rules: ReadonlyArray<Pick<Rule, 'conditions'>>): boolean => rules.some((r) => patternsOf(r).length > 0);

/** How many `matches` conditions a rule has. */
export const patternCount = (rule: Pick<Rule, 'conditions'>): number => patternsOf(rule).length;

/** The RE2 program sizes of a rule's patterns added up (what they cost per character of text). */
export const patternWeight = (rule: Pick<Rule, 'conditions'>): number =>
  patternsOf(rule).reduce((n, c) => {
    const r = compilePattern(String(c.value));
    return n + (r.ok ? r.pattern.size : 0);
  }, 0);
