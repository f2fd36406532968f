/**
 * Vonage Voice callbacks (answer, call events, record and transcription webhooks) as CallEvents. Pure.
 *
 * One call is one message keyed by the CONVERSATION id (`conversation_uuid`, `CON-…`), not by a leg's
 * `uuid`: the record and transcription webhooks carry only the conversation id, and a forwarded
 * call's second leg (our `connect` to an agent) has a uuid of its own but the same conversation.
 * Events of that second leg (direction `outbound`) never set the call's status; an `answered` one
 * marks the call answered by an agent.
 */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import { toE164 } from '../../core/phone.ts';
import type { CallEvent, CallStatus } from '../../core/voice/types.ts';
import { clip } from '../shared/text.ts';
import { zodDetails } from '../shared/http.ts';

const PROVIDER = 'vonage';

/** Vonage ids: uuids, `CON-<uuid>`; bounded and plain so they are safe as keys. */
const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'must be a plain id');
const number = z.string().min(1).max(64);
const iso = z.string().max(64).optional();

/** `from` is absent for a withheld number and for in-app (Client SDK) calls, which send `from_user`. */
export const AnswerSchema = z.object({ from: number.optional(), from_user: number.optional(), to: number, uuid: id, conversation_uuid: id }).loose();

export const EventSchema = z
  .object({
    status: z.string().min(1).max(64),
    uuid: id.optional(),
    conversation_uuid: id,
    from: number.optional(),
    from_user: number.optional(),
    to: number.optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    timestamp: iso,
  })
  .loose();

export const RecordSchema = z
  .object({
    recording_url: z.string().min(1).max(2048),
    recording_uuid: id,
    conversation_uuid: id,
    start_time: iso,
    end_time: iso,
    size: z.number().int().nonnegative().optional(),
  })
  .loose();

export const TranscriptionSchema = z
  .object({
    type: z.string().max(64).optional(),
    conversation_uuid: id,
    recording_uuid: id,
    status: z.string().max(64).optional(),
    transcription_url: z.string().min(1).max(2048).optional(),
  })
  .loose();

/** Transcription callback statuses that mean the file is ready (any other status is skipped). */
const TRANSCRIBED: ReadonlySet<string> = new Set(['transcribed', 'success', 'successful', 'completed', 'complete', 'done']);

/** The caller to record when Vonage sends no number: an in-app user as `client:<name>`, else `anonymous`. */
export const ANONYMOUS_CALLER = 'anonymous';
export const callerOf = (b: { from?: string | undefined; from_user?: string | undefined }): string =>
  b.from ?? (b.from_user ? `client:${b.from_user}` : ANONYMOUS_CALLER);

/** Vonage sends numbers as digits without '+': E.164 when they are one, else the bounded raw value (anonymous, SIP, client:user). */
export function e164(raw: string): string {
  const v = raw.trim();
  return toE164(v.startsWith('+') ? v : `+${v}`) ?? clip(v, 64);
}

/** Call-leg statuses of the event webhook, as ours; the rest (human/machine, input, transfer, …) are not call outcomes. */
export const STATUS: Readonly<Record<string, CallStatus>> = {
  started: 'ringing',
  ringing: 'ringing',
  answered: 'in-progress',
  completed: 'completed',
  timeout: 'no-answer',
  unanswered: 'no-answer',
  busy: 'busy',
  failed: 'failed',
  rejected: 'failed',
  cancelled: 'canceled',
};

/** Statuses of a forwarded leg after which the caller should be offered voicemail. */
export const FORWARD_FAILED: ReadonlySet<string> = new Set(['timeout', 'unanswered', 'busy', 'failed', 'rejected', 'cancelled']);

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const p = schema.safeParse(body);
  if (!p.success) throw new ClientError(400, 'invalid_payload', `The Vonage ${what} is not valid.`, zodDetails(p.error.issues));
  return p.data;
}

const base = (conversationId: string, from: string, to: string, receivedAt: string) => ({
  provider: PROVIDER,
  callId: conversationId,
  from: e164(from),
  to: e164(to),
  receivedAt,
}) as const;

/** The answer webhook: the call, and the context its NCCO's URLs seal (the caller as `callerOf` names it). */
export function normalizeAnswer(body: unknown, receivedAt: string): { call: CallEvent; context: { conversationId: string; from: string; to: string } } {
  const a = parse(AnswerSchema, body, 'answer webhook');
  const from = callerOf(a);
  return { call: { ...base(a.conversation_uuid, from, a.to, receivedAt), kind: 'answer' }, context: { conversationId: a.conversation_uuid, from, to: a.to } };
}

export type EventOutcome =
  | { readonly kind: 'call'; readonly call: CallEvent }
  /** A forwarded leg nobody picked up: answer with the voicemail NCCO. */
  | { readonly kind: 'forward-failed'; readonly status: string }
  | { readonly kind: 'skipped'; readonly reason: string; readonly detail: string };

/**
 * A call event. `forwarded`: it came to the `connect` action's eventUrl (our forward to an agent),
 * whose sealed context names the caller; there `from`/`to` are our number and the agent's.
 */
export function normalizeEvent(body: unknown, receivedAt: string, forwarded?: { conversationId: string; from: string; to: string }): EventOutcome {
  const e = parse(EventSchema, body, 'call event');
  const status = e.status.toLowerCase();
  if (forwarded || e.direction === 'outbound') {
    if (!forwarded) return { kind: 'skipped', reason: 'outbound_leg', detail: status };
    if (e.conversation_uuid !== forwarded.conversationId) throw new ClientError(403, 'bad_call_context', 'The event belongs to another call than its callback URL names.');
    if (FORWARD_FAILED.has(status)) return { kind: 'forward-failed', status };
    if (status === 'answered') return { kind: 'call', call: { ...base(e.conversation_uuid, forwarded.from, forwarded.to, receivedAt), kind: 'status', answered: true } };
    return { kind: 'skipped', reason: 'forward_leg_event', detail: status };
  }
  const mapped = Object.hasOwn(STATUS, status) ? STATUS[status] : undefined;
  if (!mapped) return { kind: 'skipped', reason: 'unsupported_status', detail: clip(status, 64) };
  if (!e.to) throw new ClientError(400, 'invalid_payload', 'The Vonage call event has no `to`.', [{ path: 'to', message: 'Required' }]);
  return { kind: 'call', call: { ...base(e.conversation_uuid, callerOf(e), e.to, receivedAt), kind: 'status', status: mapped } };
}

/** Whole seconds between two ISO times; 0 when either is missing or out of order. */
export function durationSeconds(start: string | undefined, end: string | undefined): number {
  const s = start ? Date.parse(start) : NaN;
  const e = end ? Date.parse(end) : NaN;
  return Number.isFinite(s) && Number.isFinite(e) && e >= s ? Math.round((e - s) / 1000) : 0;
}

/** The record webhook: a recording of the call in `context` (from the sealed callback URL). */
export function normalizeRecording(body: unknown, receivedAt: string, context: { conversationId: string; from: string; to: string }): CallEvent {
  const r = parse(RecordSchema, body, 'record webhook');
  if (r.conversation_uuid !== context.conversationId) throw new ClientError(403, 'bad_call_context', 'The recording belongs to another call than its callback URL names.');
  return {
    ...base(context.conversationId, context.from, context.to, receivedAt),
    kind: 'recording',
    recording: { id: r.recording_uuid, url: r.recording_url, durationSeconds: durationSeconds(r.start_time, r.end_time) },
  };
}

/**
 * A transcription callback (to the same URL as the record webhook): it names a transcript file, says
 * `type: transcription`, or carries no recording but a transcription status. Its `type` is not
 * relied on otherwise (samples in the wild say `record`).
 */
export function isTranscription(body: unknown): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  if ('transcription_url' in b || b['type'] === 'transcription') return true;
  return !('recording_url' in b) && typeof b['status'] === 'string' && /transcri/i.test(b['status']);
}

/**
 * The transcription callback as a CallEvent whose transcript has no text yet: the worker reads the
 * file (`url`) later, so nothing is downloaded while Vonage waits for our answer. Without a URL or
 * with a status other than a success it is skipped (Vonage has nothing for us to read).
 */
export function normalizeTranscription(
  body: unknown,
  receivedAt: string,
  context: { conversationId: string; from: string; to: string },
): { kind: 'call'; call: CallEvent } | { kind: 'skipped'; reason: string; detail: string } {
  const t = parse(TranscriptionSchema, body, 'transcription webhook');
  if (t.conversation_uuid !== context.conversationId) throw new ClientError(403, 'bad_call_context', 'The transcription belongs to another call than its callback URL names.');
  const status = (t.status ?? '').toLowerCase();
  if (status && !TRANSCRIBED.has(status)) return { kind: 'skipped', reason: 'transcription_failed', detail: clip(status, 64) };
  if (!t.transcription_url) return { kind: 'skipped', reason: 'transcription_without_url', detail: status || 'no status' };
  return {
    kind: 'call',
    call: {
      ...base(context.conversationId, context.from, context.to, receivedAt),
      kind: 'transcription',
      transcript: { id: t.recording_uuid, text: '', recordingId: t.recording_uuid, url: t.transcription_url },
    },
  };
}
