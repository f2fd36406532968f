/**
 * POST /webhooks/twilio/voice (+ /status, /recording, /transcription): verified exactly like the
 * SMS webhook (X-Twilio-Signature over the public URL and the form), then one `call` event each.
 * The answer route returns TwiML (greeting by business hours, optional forward, voicemail).
 */
import type * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import type { CallEvent, CallStatus } from '../../core/voice/types.ts';
import { voiceGreeting } from '../../core/voice/greeting.ts';
import type { HttpRequest, HttpResponse } from '../../http.ts';
import { zodDetails } from '../shared/http.ts';
import type { ChannelModule, ReceiveResult, SyncContext } from '../types.ts';
import { verifiedTwilioForm } from './form.ts';
import { AnswerSchema, RecordingSchema, StatusSchema, TranscriptionSchema } from './voice-schema.ts';
import { afterDialTwiml, answerTwiml, EMPTY_TWIML, HANGUP_TWIML, voiceUrls } from './voice-twiml.ts';

const twiml = (body: string): HttpResponse => ({ statusCode: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body });

type Route = 'answer' | 'status' | 'recording' | 'transcription';

function routeOf(path: string): Route {
  const sub = /^\/webhooks\/twilio\/voice(?:\/(status|recording|transcription))?\/?$/.exec(path);
  if (!sub) throw new ClientError(404, 'unknown_route', 'No Twilio voice webhook at this path.');
  return (sub[1] as Route | undefined) ?? 'answer';
}

/** The verified form fields (repeated keys keep their first value), the URL's query as a fallback. */
function verifiedFields(req: HttpRequest, ctx: SyncContext): Record<string, string> {
  const fields = verifiedTwilioForm(req, ctx);
  const record: Record<string, string> = {};
  // The recording callback omits the call's numbers: our callback URL (signed with it) carries them.
  for (const [k, v] of req.query) if ((k === 'From' || k === 'To') && !(k in record)) record[k] = v;
  for (const [k, v] of fields) if (!(k in record) || k === 'From' || k === 'To') record[k] = v;
  return record;
}

function parse<T extends z.ZodType>(schema: T, fields: Record<string, string>, what: string): z.output<T> {
  const r = schema.safeParse(fields);
  if (!r.success) throw new ClientError(400, 'invalid_payload', `The Twilio ${what} webhook body is not valid.`, zodDetails(r.error.issues));
  return r.data;
}

const callStatus = (s: string | undefined): CallStatus | undefined => (s === undefined ? undefined : s === 'queued' ? 'ringing' : (s as CallStatus));

/** Pure: the verified request → its call event and Twilio's answer. */
export function receiveTwilioVoice(req: HttpRequest, ctx: SyncContext): ReceiveResult {
  const route = routeOf(req.path);
  const f = verifiedFields(req, ctx);
  const receivedAt = ctx.now.toISOString();
  const base = (p: { CallSid: string; AccountSid?: string | undefined; From: string; To: string }) => ({
    provider: 'twilio' as const,
    callId: p.CallSid,
    from: p.From,
    to: p.To,
    receivedAt,
    ...(p.AccountSid ? { providerAccount: p.AccountSid } : {}),
  });
  let call: CallEvent;
  let ok = twiml(EMPTY_TWIML);
  switch (route) {
    case 'answer': {
      const p = parse(AnswerSchema, f, 'voice');
      const status = callStatus(p.CallStatus);
      const answered = p.DialCallStatus === 'completed' || p.DialCallStatus === 'answered';
      call = { ...base(p), kind: 'answer', ...(status && !p.DialCallStatus && !p.RecordingSid ? { status } : {}), ...(answered ? { answered: true } : {}) };
      const g = voiceGreeting(ctx.now, ctx.config.voice);
      const urls = voiceUrls(ctx.config.publicBaseUrl, p.From, p.To);
      // Back from <Record> (its action): the voicemail is in; hang up. Back from <Dial>: see afterDial.
      ok = twiml(p.RecordingSid ? HANGUP_TWIML : p.DialCallStatus ? afterDialTwiml(answered, g, urls) : answerTwiml(g, urls));
      break;
    }
    case 'status': {
      const p = parse(StatusSchema, f, 'voice status');
      call = { ...base(p), kind: 'status', status: callStatus(p.CallStatus)! };
      break;
    }
    case 'recording': {
      const p = parse(RecordingSchema, f, 'voice recording');
      const done = p.RecordingStatus === 'completed';
      call = { ...base(p), kind: 'recording', ...(done ? { recording: { id: p.RecordingSid, url: p.RecordingUrl, durationSeconds: p.RecordingDuration ?? 0 } } : {}) };
      break;
    }
    case 'transcription': {
      const p = parse(TranscriptionSchema, f, 'voice transcription');
      const done = p.TranscriptionStatus === 'completed' && p.TranscriptionText.trim() !== '';
      call = {
        ...base(p),
        kind: 'transcription',
        ...(done ? { transcript: { id: p.TranscriptionSid, text: p.TranscriptionText, ...(p.RecordingSid ? { recordingId: p.RecordingSid } : {}) } } : {}),
      };
      break;
    }
  }
  return { kind: 'events', events: [{ kind: 'call', call }], ok };
}

export const twilioVoice = { provider: 'twilio', receive: receiveTwilioVoice } satisfies ChannelModule;
