/**
 * What rules do to a ticket on arrival, as the usual event drafts (recorded in the same transaction
 * as the message): `rule.applied` per fired rule (rule, name, version, matched conditions, actions
 * taken and skipped), then `priority.changed`, `tags.changed`, `assignee.changed` by the rule that
 * made the last change (actor `rule:<id>`); a priority or tag change re-matches the SLA policy like
 * any other. Round-robin and notes are worker jobs. Pure.
 */
import { METRIC, count, type MetricEvent } from '../metrics.ts';
import type { CoreSettings } from '../ports.ts';
import type { Signals } from '../signals/index.ts';
import { policyDraft } from '../sla-settings.ts';
import type { EventDraft } from '../ticket-events.ts';
import type { InboundMessage, QueuedJob, Ticket } from '../types.ts';
import { evaluateRules, newMemo, type CompiledRule, type Evaluation, type FiredRule, type Memo, type RuleSubject } from './evaluate.ts';
import type { Action, Condition } from './schema.ts';

export interface Triage {
  readonly signals: Signals;
  readonly rules: readonly CompiledRule[];
  /** Built once per message (triageOf): condition results kept across the ingest's attempts. */
  readonly memo?: Memo | undefined;
}

/** A message's triage, once per message whatever the retries: its signals, the rules, and the memo of their results. */
export const triageOf = (signals: Signals, rules: readonly CompiledRule[]): Triage => ({ signals, rules, memo: newMemo() });

/** Bounds of the one `rule.applied` event per message, so it always fits in the ingest transaction. */
export const EVENT_LIMITS = { detailBytes: 32 * 1024, listItems: 5, valueChars: 100 } as const;

const cut = (v: string): string => (v.length > EVENT_LIMITS.valueChars ? `${v.slice(0, EVENT_LIMITS.valueChars)}…` : v);
type Summarized<T> = T & { truncated?: true };
function summarize<T extends { value: unknown }>(x: T): Summarized<T> {
  const v = x.value;
  if (typeof v === 'string') return v.length > EVENT_LIMITS.valueChars ? { ...x, value: cut(v), truncated: true } : x;
  if (Array.isArray(v) && (v.length > EVENT_LIMITS.listItems || v.some((w) => String(w).length > EVENT_LIMITS.valueChars))) {
    return { ...x, value: v.slice(0, EVENT_LIMITS.listItems).map((w) => cut(String(w))), truncated: true };
  }
  return x;
}

export interface FiredSummary {
  readonly rule: string;
  readonly name: string;
  readonly version: number;
  readonly matched?: readonly Summarized<Condition>[];
  readonly actions?: readonly Summarized<Action>[];
  readonly skipped?: ReadonlyArray<{ readonly action: Summarized<Action>; readonly reason: string }>;
  /** Listed without its conditions and actions: the event's detail budget was spent on earlier rules. */
  readonly truncated?: true;
}

/**
 * The fired rules as the `rule.applied` event lists them, bounded whatever the rules: long values
 * cut to 100 characters and lists to 5 items (`truncated: true` on what was cut), and once 32 KB of
 * detail is spent, later rules listed by id, name and version only. At most 200 rules × (26 + 300 +
 * a few) bytes beyond the detail: the event stays under ~110 KB.
 */
export function summarizeFired(fired: readonly FiredRule[]): FiredSummary[] {
  let budget: number = EVENT_LIMITS.detailBytes;
  return fired.map((f) => {
    const full: FiredSummary = {
      rule: f.rule,
      name: f.name,
      version: f.version,
      matched: f.matched.map(summarize),
      actions: f.applied.map(summarize),
      ...(f.skipped.length ? { skipped: f.skipped.map((k) => ({ action: summarize(k.action), reason: k.reason })) } : {}),
    };
    const size = new TextEncoder().encode(JSON.stringify(full)).length;
    if (size <= budget) {
      budget -= size;
      return full;
    }
    budget = 0;
    return { rule: f.rule, name: f.name, version: f.version, truncated: true };
  });
}

export interface RulesApplied {
  readonly ticket: Ticket;
  readonly drafts: readonly EventDraft[];
  readonly jobs: readonly QueuedJob[];
  readonly metrics: readonly MetricEvent[];
  readonly evaluation: Evaluation;
}

/** The message as rules see it, on the ticket as it is once the message is on it. */
export function subjectOf(msg: InboundMessage, ticket: Ticket, newTicket: boolean, signals: Signals, settings: Pick<CoreSettings, 'sla'>): RuleSubject {
  return {
    triggers: new Set(newTicket ? (['ticket.created', 'message.received'] as const) : (['message.received'] as const)),
    channel: msg.channel,
    provider: msg.provider,
    from: msg.from,
    text: msg.text,
    subject: msg.email?.subject,
    identityKind: msg.identity.kind,
    signals,
    ticket,
    at: Date.parse(msg.receivedAt),
    calendars: settings.sla.calendars,
  };
}

export function applyRules(
  msg: InboundMessage,
  ticket: Ticket,
  newTicket: boolean,
  triage: Triage,
  ctx: { readonly settings: Pick<CoreSettings, 'sla'>; readonly newId: () => string },
): RulesApplied {
  const evaluation = evaluateRules(triage.rules, subjectOf(msg, ticket, newTicket, triage.signals, ctx.settings), triage.memo);
  return applyEvaluation(evaluation, ticket, msg.receivedAt, ctx);
}

/** An evaluation's outcome as event drafts, jobs and metrics on `ticket`, dated `at` (ingest; a voicemail's transcript, core/voice/triage.ts). */
export function applyEvaluation(evaluation: Evaluation, ticket: Ticket, at: string, ctx: { readonly settings: Pick<CoreSettings, 'sla'>; readonly newId: () => string }): RulesApplied {
  const { fired, result } = evaluation;
  if (fired.length === 0) return { ticket, drafts: [], jobs: [], metrics: [], evaluation };
  // ONE event per message, whatever the number of rules: the transaction's item count stays fixed.
  const drafts: EventDraft[] = [{ type: 'rule.applied', at, actor: `rule:${fired[0]!.rule}`, rules: summarizeFired(fired) }];
  let next: Ticket = ticket;
  if (result.priority !== ticket.priority) {
    drafts.push({ type: 'priority.changed', at, actor: `rule:${result.by.priority!}`, from: ticket.priority, to: result.priority });
    next = { ...next, priority: result.priority };
  }
  if (result.tags.join('\u0000') !== ticket.tags.join('\u0000')) {
    drafts.push({ type: 'tags.changed', at, actor: `rule:${result.by.tags!}`, from: ticket.tags, to: result.tags });
    next = { ...next, tags: result.tags };
  }
  if (result.team !== (ticket.team ?? null) && result.team !== null) next = { ...next, team: result.team };
  if (result.assignee !== (ticket.assignee ?? null) && result.assignee !== null) {
    const actor = `rule:${result.by.assignee!}` as const;
    drafts.push({ type: 'assignee.changed', at, actor, from: ticket.assignee ?? null, to: result.assignee });
    next = { ...next, assignee: result.assignee, assignedBy: actor };
  }
  if (next.priority !== ticket.priority || next.tags !== ticket.tags) drafts.push(policyDraft(ctx.settings.sla, next, at, `rule:${(result.by.priority ?? result.by.tags)!}`));

  const jobs: QueuedJob[] = [];
  const versionOf = (id: string) => fired.find((f) => f.rule === id)?.version ?? 0;
  if (result.roundRobinTeam !== null && result.assignee === (ticket.assignee ?? null) && !next.assignee) {
    const rule = result.by.roundRobin!;
    jobs.push({ job: { kind: 'assign', ticketId: ticket.id, team: result.roundRobinTeam, rule, version: versionOf(rule) }, delaySeconds: 0 });
  }
  // The job names the note (rule, version, action index), not its text: the dedupe item stays small.
  for (const n of result.notes) {
    jobs.push({ job: { kind: 'rule-note', ticketId: ticket.id, rule: n.rule, version: n.version, action: n.action, noteId: ctx.newId(), at }, delaySeconds: 0 });
  }
  // Dimension Rule = the rule's id (ASCII, stable across renames); the name is in the event.
  const metrics = fired.map((f) => count(METRIC.RulesFired, { Rule: f.rule }));
  return { ticket: next, drafts, jobs, metrics, evaluation };
}
