/**
 * A voicemail's transcript is the call's words, and it arrives after the call's message was
 * ingested (with a placeholder text): when its words are stored, they are triaged like a message's.
 * - signals (language, sentiment, abuse) recomputed from the message's new text;
 * - the ticket's language taken from them when it is absent or `und` and this call gave the
 *   ticket its language (it opened the ticket, or is its first customer message);
 * - the rules run again, but only those whose conditions read the content (text, subject,
 *   language, sentiment, abusive): the others saw the same channel, provider, status… when the
 *   call was answered, and already fired then; so did a content rule that matched what the rules
 *   last ran on (the placeholder, or earlier transcripts). Triggers: `message.received`, and `ticket.created`
 *   when the call opened the ticket. Their outcome is applied as ingest applies it
 *   (core/rules/apply.ts: one `rule.applied` event, actor `rule:<id>`). Pure.
 */
import type { CoreSettings } from '../ports.ts';
import { phoneIdentity } from '../phone.ts';
import { applyEvaluation, type RulesApplied } from '../rules/apply.ts';
import { evaluateRules, type CompiledRule, type RuleSubject } from '../rules/evaluate.ts';
import type { RuleField } from '../rules/model.ts';
import type { Signals } from '../signals/index.ts';
import type { Message, Ticket } from '../types.ts';

/** The condition fields that read a message's content (what a transcript changes). */
export const CONTENT_FIELDS: ReadonlySet<RuleField> = new Set<RuleField>(['text', 'subject', 'language', 'sentiment', 'abusive']);

/** The rule has at least one condition on the content (a rule with no conditions does not). */
export const dependsOnContent = (r: CompiledRule): boolean => [...(r.rule.conditions.all ?? []), ...(r.rule.conditions.any ?? [])].some((c) => CONTENT_FIELDS.has(c.field));

export const contentRules = (rules: readonly CompiledRule[]): CompiledRule[] => rules.filter(dependsOnContent);

/** The ticket's language is unknown: absent, or `und` (the placeholder said nothing). */
export const languageUnknown = (t: Ticket): boolean => t.language === undefined || t.language === 'und';

export interface TranscriptTriage extends RulesApplied {
  /** The message's new signals. */
  readonly signals: Signals;
}

export function triageTranscript(args: {
  /** The call's message with its new text (the transcript). */
  readonly message: Message;
  /** The ticket as it is before the rules (with any other change of this write). */
  readonly ticket: Ticket;
  /** The call gave the ticket its language (opened it, or is its first customer message). */
  readonly languageFromThis: boolean;
  /** All active rules (the content ones are picked here). */
  readonly rules: readonly CompiledRule[];
  readonly settings: Pick<CoreSettings, 'sla'>;
  /** When the transcript's words were stored (the events' time). */
  readonly at: string;
  readonly newId: () => string;
  /** The transcript's signals (signals/index.ts detectSignals on the message's text), computed by the caller. */
  readonly signals: Signals;
  /**
   * What the rules already ran on (the ingest's placeholder, or the transcripts triaged before) and
   * its signals: a rule that matched that content already fired then, and is not run again.
   */
  readonly previous?: { readonly text: string; readonly signals: Signals } | undefined;
}): TranscriptTriage {
  const m = args.message;
  const signals = args.signals;
  let ticket = args.ticket;
  if (args.languageFromThis && languageUnknown(ticket) && signals.language !== 'und') ticket = { ...ticket, language: signals.language };
  const opened = m.threadedBy === 'new-ticket';
  const subject: RuleSubject = {
    triggers: new Set(opened ? (['ticket.created', 'message.received'] as const) : (['message.received'] as const)),
    channel: 'voice',
    provider: m.voice?.provider ?? ticket.provider,
    from: m.from,
    text: m.text,
    subject: undefined,
    identityKind: phoneIdentity(m.from).kind,
    signals,
    ticket,
    // businessHours: when the call came in, not when its transcript did.
    at: Date.parse(m.createdAt),
    calendars: args.settings.sla.calendars,
  };
  let rules = contentRules(args.rules);
  if (args.previous && rules.length) {
    const ran = new Set(evaluateRules(rules, { ...subject, text: args.previous.text, signals: args.previous.signals }).fired.map((f) => f.rule));
    rules = rules.filter((r) => !ran.has(r.rule.id));
  }
  const evaluation = evaluateRules(rules, subject);
  return { signals, ...applyEvaluation(evaluation, ticket, args.at, { settings: args.settings, newId: args.newId }) };
}
