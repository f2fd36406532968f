/**
 * A call's merged state, kept on its message (`message.voice`), and the pure rule that merges one
 * callback into it. The rule is order-independent and idempotent: recordings are a set keyed by
 * their id, transcripts by theirs, the status moves to a terminal state once and stays, and the
 * message's text is a function of the final state. Pure.
 */
import type { CallEvent, CallRecording, CallStatus, CallTranscript } from './types.ts';

export const TERMINAL: ReadonlySet<CallStatus> = new Set(['completed', 'no-answer', 'busy', 'failed', 'canceled']);
const RANK: Readonly<Record<CallStatus, number>> = { ringing: 0, 'in-progress': 1, completed: 2, 'no-answer': 2, busy: 2, failed: 2, canceled: 2 };

export interface StoredRecording extends CallRecording {
  /** Set once the worker stored the audio in the attachments bucket. */
  readonly key?: string;
  readonly contentType?: string;
  readonly size?: number;
  /** Why the audio will never be fetched (e.g. `foreign_host`), logged and kept. */
  readonly refused?: string;
}

export interface StoredTranscript extends CallTranscript {
  readonly at: string;
  /** Why the transcript file (`url`) will never be read (e.g. `too_large`), logged and kept. */
  readonly refused?: string;
  /** Its words were triaged (signals, content rules: core/voice/triage.ts), in the write that stored the outcome. */
  readonly triaged?: true;
}

/** Transcripts whose words have not been triaged yet. */
export const untriaged = (v: VoiceInfo): StoredTranscript[] => v.transcripts.filter((t) => t.text.trim() && !t.triaged);

/** What the rules last ran on: the triaged transcripts' words, else the placeholder the call was ingested with. */
export function triagedText(v: VoiceInfo | undefined): string {
  const said = (v?.transcripts ?? []).filter((t) => t.triaged && t.text.trim()).map((t) => t.text.trim());
  return said.length ? said.join('\n\n') : textOf(emptyCall(v?.provider ?? 'twilio', v?.callId ?? '')).text;
}

/** Every transcript with words marked triaged (same revision: written in the same guarded write). */
export const markTriaged = (v: VoiceInfo): VoiceInfo => ({ ...v, transcripts: v.transcripts.map((t) => (t.text.trim() && !t.triaged ? { ...t, triaged: true as const } : t)) });

/** A transcript whose text the worker still has to fetch from its `url`. */
export const transcriptPending = (t: StoredTranscript): boolean => !!t.url && !t.text.trim() && !t.refused;

export type CallOutcome = 'pending' | 'answered' | 'missed' | 'voicemail';

export interface VoiceInfo {
  readonly provider: 'twilio' | 'vonage';
  readonly callId: string;
  readonly status?: CallStatus;
  /** A forwarded call an agent picked up (Twilio `<Dial>` completed). */
  readonly answered?: boolean;
  /** Sorted by id. */
  readonly recordings: readonly StoredRecording[];
  /** Sorted by id. */
  readonly transcripts: readonly StoredTranscript[];
  /** The settle job ran: a terminal call with no recording by then is a missed call. */
  readonly settled?: boolean;
  /** Optimistic-concurrency revision of this state (the message write is guarded by it). */
  readonly rev: number;
}

export const emptyCall = (provider: VoiceInfo['provider'], callId: string): VoiceInfo => ({ provider, callId, recordings: [], transcripts: [], rev: 0 });

/** A recording, or a transcript (its words prove a voicemail even if the recording callback never came). */
export function outcomeOf(v: VoiceInfo): CallOutcome {
  if (v.recordings.length > 0 || v.transcripts.length > 0) return 'voicemail';
  if (v.answered) return 'answered';
  if (v.settled && v.status && TERMINAL.has(v.status)) return 'missed';
  return 'pending';
}

export const voicemailSeconds = (v: VoiceInfo): number => v.recordings.reduce((s, r) => s + r.durationSeconds, 0);

/** What the message says, as a function of the state: `text`, and the placeholder a transcript replaced. */
export function textOf(v: VoiceInfo): { text: string; originalText?: string; editedAt?: string } {
  const outcome = outcomeOf(v);
  const placeholder =
    outcome === 'voicemail'
      ? v.recordings.length
        ? `Voicemail (${voicemailSeconds(v)} s)`
        : 'Voicemail'
      : outcome === 'missed'
        ? 'Missed call'
        : outcome === 'answered'
          ? 'Answered call'
          : 'Incoming call';
  const spoken = v.transcripts.filter((t) => t.text.trim());
  const said = spoken.map((t) => t.text.trim());
  if (!said.length) return { text: placeholder };
  const editedAt = spoken.map((t) => t.at).sort().at(-1)!;
  return { text: said.join('\n\n'), originalText: placeholder, editedAt };
}

/** What merging one callback changed, for the caller's side effects (jobs, metrics, tags). */
export interface MergeResult {
  readonly state: VoiceInfo;
  readonly changed: boolean;
  /** The status became terminal with this callback: schedule the settle check. */
  readonly becameTerminal: boolean;
  /** Recordings first seen with this callback: download them. */
  readonly newRecordings: readonly StoredRecording[];
  /** Transcripts first seen with this callback whose text is still to be fetched from their `url`. */
  readonly newTranscripts: readonly StoredTranscript[];
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function mergeCall(v: VoiceInfo, ev: CallEvent): MergeResult {
  let state = v;
  let changed = false;
  let becameTerminal = false;
  const newRecordings: StoredRecording[] = [];
  const newTranscripts: StoredTranscript[] = [];
  if (ev.status && !(state.status && TERMINAL.has(state.status)) && (!state.status || RANK[ev.status] > RANK[state.status])) {
    becameTerminal = TERMINAL.has(ev.status);
    state = { ...state, status: ev.status };
    changed = true;
  }
  if (ev.answered && !state.answered) {
    state = { ...state, answered: true };
    changed = true;
  }
  if (ev.recording && !state.recordings.some((r) => r.id === ev.recording!.id)) {
    const r: StoredRecording = { id: ev.recording.id, url: ev.recording.url, durationSeconds: ev.recording.durationSeconds };
    state = { ...state, recordings: [...state.recordings, r].sort(byId) };
    newRecordings.push(r);
    changed = true;
  }
  if (ev.transcript && (ev.transcript.text.trim() || ev.transcript.url) && !state.transcripts.some((t) => t.id === ev.transcript!.id)) {
    const t: StoredTranscript = { ...ev.transcript, at: ev.receivedAt };
    state = { ...state, transcripts: [...state.transcripts, t].sort(byId) };
    if (transcriptPending(t)) newTranscripts.push(t);
    changed = true;
  }
  return { state: changed ? { ...state, rev: v.rev + 1 } : v, changed, becameTerminal, newRecordings, newTranscripts };
}

/** The settle check: a terminal call with no recording (and nobody answered) is now a missed call. */
export function settleCall(v: VoiceInfo): { state: VoiceInfo; missed: boolean } {
  if (v.settled || !v.status || !TERMINAL.has(v.status)) return { state: v, missed: false };
  const state = { ...v, settled: true, rev: v.rev + 1 };
  return { state, missed: outcomeOf(state) === 'missed' };
}

/** A stored recording's audio was saved (or refused for good). */
export function recordingStored(v: VoiceInfo, id: string, stored: Pick<StoredRecording, 'key' | 'contentType' | 'size' | 'refused'>): VoiceInfo {
  const current = v.recordings.find((r) => r.id === id);
  if (!current || current.key || current.refused) return v;
  return { ...v, recordings: v.recordings.map((r) => (r.id === id ? { ...r, ...stored } : r)), rev: v.rev + 1 };
}

/** A pending transcript's text was fetched (or refused for good). */
export function transcriptStored(v: VoiceInfo, id: string, stored: { readonly text: string } | { readonly refused: string }): VoiceInfo {
  const current = v.transcripts.find((t) => t.id === id);
  if (!current || !transcriptPending(current)) return v;
  return { ...v, transcripts: v.transcripts.map((t) => (t.id === id ? { ...t, ...stored } : t)), rev: v.rev + 1 };
}
