/**
 * Writing a call's new state (issue 16): the message as a function of the state, guarded by the
 * state's revision (and by the message not being erased), the ticket's `missed-call` tag, and the
 * triage of a transcript's words (core/voice/triage.ts) in the same write.
 *
 * The tag follows THIS call's own transitions only, never the ticket's other calls: a call that
 * becomes missed (settled with no recording) adds it; a missed call that becomes a voicemail after
 * all removes it only when no other call on the ticket is still missed. Any other change of a call
 * (a second call ringing on the same ticket, a repeat) leaves the tag as it is.
 */
import type { MetricEvent } from '../metrics.ts';
import type { ChangeRecord, CoreDeps } from '../ports.ts';
import { resolverOf } from '../sla-settings.ts';
import type { EventDraft } from '../ticket-events.ts';
import { recordEvents } from '../timeline.ts';
import type { Attachment, Message, QueuedJob, Ticket } from '../types.ts';
import type { StoredCall, VoiceDeps } from '../voice/ports.ts';
import { markTriaged, outcomeOf, textOf, triagedText, untriaged, type VoiceInfo } from '../voice/state.ts';
import { languageUnknown, triageTranscript } from '../voice/triage.ts';
import { lostRace } from './retry.ts';

/** The tag a missed call's ticket carries (removed if a voicemail turns up after all). */
export const MISSED_CALL_TAG = 'missed-call';

const MAX_ATTEMPTS = 8;

/** The contact was erased: nothing of the call is written again (a late callback would bring its words back). */
export const erased = (c: StoredCall): boolean => c.ticket.erasedAt !== undefined || (c.message as { erasedAt?: string }).erasedAt !== undefined;

/**
 * Write the call's new state; false on a lost race (or a write the erase refused: read again).
 * Transcript words not triaged yet are triaged in this same guarded write (core/voice/triage.ts):
 * the message's signals, the ticket's language, the content rules; marked `triaged` on the
 * transcript, so a repeat or a retry never triages them twice.
 */
export async function saveState(deps: CoreDeps, voice: VoiceDeps, found: StoredCall, state: VoiceInfo, attempt: number): Promise<boolean> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const fresh = untriaged(state).length > 0;
  const next = fresh ? markTriaged(state) : state;
  let message = messageOf(found.message, next);
  let ticket = found.ticket;
  const drafts: EventDraft[] = [];
  const jobs: QueuedJob[] = [];
  const metrics: MetricEvent[] = [];
  const tags = await tagChange(deps, found, next);
  if (tags) {
    drafts.push({ type: 'tags.changed', at, actor: 'automation', from: ticket.tags, to: tags });
    ticket = { ...ticket, tags };
  }
  if (fresh) {
    const t = triageTranscript({
      message,
      ticket,
      languageFromThis: languageUnknown(ticket) && (await gaveLanguage(deps, found.message)),
      rules: deps.rules ? await deps.rules.active() : [],
      settings: deps.settings,
      at,
      newId: () => deps.ids.newId(),
      // Loaded on first use (the worker triages Vonage transcripts rarely); the webhook has them from init.
      signals: (await import('../signals/index.ts')).detectSignals({ text: message.text }),
      // The message's signals are those of what the rules last ran on (ingest, or an earlier transcript).
      previous: found.message.signals && { text: triagedText(found.message.voice), signals: found.message.signals },
    });
    message = { ...message, signals: t.signals };
    ticket = t.ticket;
    drafts.push(...t.drafts);
    jobs.push(...t.jobs);
    metrics.push(...t.metrics);
    if (t.evaluation.fired.length) deps.log.info('voicemail transcript triaged', { ticketId: ticket.id, rules: t.evaluation.fired.map((f) => f.rule) });
  }
  let ticketChange: { ticket: Ticket; expectedVersion: number; change: ChangeRecord } | undefined;
  if (ticket !== found.ticket) {
    const recorded = recordEvents(ticket, drafts, { resolve: resolverOf(deps.settings.sla), newId: () => deps.ids.newId(), now });
    ticketChange = { ticket: recorded.ticket, expectedVersion: found.ticket.version, change: recorded.change };
    jobs.push(...recorded.jobs);
    metrics.push(...recorded.metrics);
  }
  try {
    await voice.store.saveCall({
      message,
      expectedRev: found.message.voice?.rev ?? 0,
      ...(ticketChange ? { ticket: ticketChange } : { touch: at }),
    });
  } catch (e) {
    if (await lostRace(e, attempt, undefined, MAX_ATTEMPTS)) return false;
    throw e;
  }
  deps.metrics.emit(metrics);
  // Round-robin, notes, SLA checks: after the write (every one of them is idempotent).
  if (jobs.length) await deps.jobs.enqueue(jobs);
  return true;
}

/**
 * The call gave the ticket its language: it opened the ticket, or it is the ticket's first
 * customer message (the ticket had no language when the call was ingested).
 */
async function gaveLanguage(deps: CoreDeps, m: Message): Promise<boolean> {
  if (m.threadedBy === 'new-ticket') return true;
  const first = (await deps.store.getMessages(m.ticketId))
    .filter((x) => x.direction === 'inbound' && !x.automated)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))[0];
  return first?.id === m.id;
}

/** The message as a function of the state: text (a transcript as an edit over the placeholder), attachments. */
export function messageOf(m: Message, state: VoiceInfo): Message {
  const { originalText: _o, editedAt: _e, ...rest } = m;
  const t = textOf(state);
  const audio: Attachment[] = state.recordings
    .filter((r) => r.key)
    .map((r) => ({ key: r.key!, providerMediaId: r.id, name: `voicemail-${r.id}${extensionOf(r.contentType)}`, ...(r.contentType ? { contentType: r.contentType } : {}), ...(r.size !== undefined ? { size: r.size } : {}) }));
  return { ...rest, text: t.text, ...(t.originalText ? { originalText: t.originalText, editedAt: t.editedAt! } : {}), attachments: audio, voice: state };
}

/** The ticket's tags after this call's missed/voicemail transition, when they change. */
async function tagChange(deps: CoreDeps, found: StoredCall, state: VoiceInfo): Promise<string[] | undefined> {
  const ticket = found.ticket;
  const was = found.message.voice ? outcomeOf(found.message.voice) === 'missed' : false;
  const is = outcomeOf(state) === 'missed';
  if (was === is) return undefined;
  const has = ticket.tags.includes(MISSED_CALL_TAG);
  if (is && has) return undefined;
  if (!is && (!has || (await otherCallMissed(deps, found)))) return undefined;
  return is ? [...ticket.tags, MISSED_CALL_TAG] : ticket.tags.filter((t) => t !== MISSED_CALL_TAG);
}

/** Another call on the same ticket is a missed call (its tag must stay). */
async function otherCallMissed(deps: CoreDeps, found: StoredCall): Promise<boolean> {
  const messages = await deps.store.getMessages(found.ticket.id);
  return messages.some((m) => m.id !== found.message.id && m.voice !== undefined && outcomeOf(m.voice) === 'missed');
}

function extensionOf(contentType: string | undefined): string {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return t === 'audio/mpeg' || t === 'audio/mp3' ? '.mp3' : t === 'audio/wav' || t === 'audio/x-wav' ? '.wav' : '';
}
