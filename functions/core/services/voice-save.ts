/**
 * Writing a call's new state (issue 16): the message as a function of the state, guarded by the
 * state's revision (and by the message not being erased), and the ticket's `missed-call` tag.
 *
 * The tag follows THIS call's own transitions only, never the ticket's other calls: a call that
 * becomes missed (settled with no recording) adds it; a missed call that becomes a voicemail after
 * all removes it only when no other call on the ticket is still missed. Any other change of a call
 * (a second call ringing on the same ticket, a repeat) leaves the tag as it is.
 */
import type { ChangeRecord, CoreDeps } from '../ports.ts';
import { resolverOf } from '../sla-settings.ts';
import { recordEvents } from '../timeline.ts';
import type { Attachment, Message, Ticket } from '../types.ts';
import type { StoredCall, VoiceDeps } from '../voice/ports.ts';
import { outcomeOf, textOf, type VoiceInfo } from '../voice/state.ts';
import { lostRace } from './retry.ts';

/** The tag a missed call's ticket carries (removed if a voicemail turns up after all). */
export const MISSED_CALL_TAG = 'missed-call';

const MAX_ATTEMPTS = 8;

/** The contact was erased: nothing of the call is written again (a late callback would bring its words back). */
export const erased = (c: StoredCall): boolean => c.ticket.erasedAt !== undefined || (c.message as { erasedAt?: string }).erasedAt !== undefined;

/** Write the call's new state; false on a lost race (or a write the erase refused: read again). */
export async function saveState(deps: CoreDeps, voice: VoiceDeps, found: StoredCall, state: VoiceInfo, attempt: number): Promise<boolean> {
  const now = deps.clock.now();
  const message = messageOf(found.message, state);
  const ticketChange = await tagChange(deps, found, state, now);
  try {
    await voice.store.saveCall({
      message,
      expectedRev: found.message.voice?.rev ?? 0,
      ...(ticketChange ? { ticket: ticketChange } : { touch: now.toISOString() }),
    });
    return true;
  } catch (e) {
    if (await lostRace(e, attempt, undefined, MAX_ATTEMPTS)) return false;
    throw e;
  }
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

async function tagChange(deps: CoreDeps, found: StoredCall, state: VoiceInfo, now: Date): Promise<{ ticket: Ticket; expectedVersion: number; change: ChangeRecord } | undefined> {
  const ticket = found.ticket;
  const was = found.message.voice ? outcomeOf(found.message.voice) === 'missed' : false;
  const is = outcomeOf(state) === 'missed';
  if (was === is) return undefined;
  const has = ticket.tags.includes(MISSED_CALL_TAG);
  if (is && has) return undefined;
  if (!is && (!has || (await otherCallMissed(deps, found)))) return undefined;
  const tags = is ? [...ticket.tags, MISSED_CALL_TAG] : ticket.tags.filter((t) => t !== MISSED_CALL_TAG);
  const at = now.toISOString();
  const recorded = recordEvents({ ...ticket, tags }, [{ type: 'tags.changed', at, actor: 'automation', from: ticket.tags, to: tags }], {
    resolve: resolverOf(deps.settings.sla),
    newId: () => deps.ids.newId(),
    now,
  });
  return { ticket: recorded.ticket, expectedVersion: ticket.version, change: recorded.change };
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
