/**
 * Vonage Voice: the NCCO (call control JSON) answered to the answer webhook, and the callback URLs
 * it names. Pure.
 *
 * The record webhook carries no caller or called number, so the URLs we hand Vonage carry them:
 * `from`, `to` and the conversation's id, sealed with an HMAC (`sig`) under a key derived from the
 * signature secret. A callback whose sealed context does not match is refused, so nobody can
 * re-point a recording at another caller even with a valid Vonage JWT.
 */
import { hmac, safeEqual } from '../shared/crypto.ts';
import type { Greeting } from '../../core/voice/greeting.ts';

export const VONAGE_VOICE_PATHS = {
  answer: '/webhooks/vonage/voice/answer',
  event: '/webhooks/vonage/voice/event',
  recording: '/webhooks/vonage/voice/recording',
} as const;

/** Vonage's limits for the record action (NCCO reference): timeOut 3-7200 s, endOnSilence 3-10 s. */
const RECORD_TIMEOUT = { min: 3, max: 7200 } as const;
export const END_ON_SILENCE_SECONDS = 3;
/** How long a forwarded call rings before the caller is offered voicemail instead. */
export const FORWARD_RING_SECONDS = 20;

/** What the URLs of one call carry, so that every callback of it lands on one message. */
export interface CallContext {
  readonly conversationId: string;
  /** The caller and the number called, as Vonage sent them (digits, no '+'). */
  readonly from: string;
  readonly to: string;
}

const seal = (secret: string, c: CallContext): string =>
  hmac('sha256', `vonage-voice-callback|${secret}`, `${c.conversationId}\n${c.from}\n${c.to}`).toString('base64url').slice(0, 32);

/** `path` on our public base URL, with the call's sealed context in the query. */
export function callbackUrl(publicBaseUrl: string, path: string, secret: string, c: CallContext): string {
  const q = new URLSearchParams({ conversation: c.conversationId, from: c.from, to: c.to, sig: seal(secret, c) });
  return `${publicBaseUrl}${path}?${q.toString()}`;
}

/** The sealed context of a callback URL's query, or why it cannot be trusted. */
export function openCallbackContext(query: URLSearchParams, secret: string): { ok: true; context: CallContext } | { ok: false; reason: string } {
  const conversationId = query.get('conversation');
  const from = query.get('from');
  const to = query.get('to');
  const sig = query.get('sig');
  if (!conversationId || !from || !to || !sig) return { ok: false, reason: 'missing_call_context' };
  const context = { conversationId, from, to };
  return safeEqual(seal(secret, context), sig) ? { ok: true, context } : { ok: false, reason: 'bad_call_context' };
}

/** Vonage wants numbers as digits without '+' (E.164 otherwise). */
export const vonageNumber = (e164: string): string => e164.replace(/^\+/, '');

export interface NccoOptions {
  readonly publicBaseUrl: string;
  readonly secret: string;
  readonly call: CallContext;
  readonly greeting: Greeting;
  /** Ask Vonage to transcribe the voicemail (billed per minute by Vonage); the callback goes to the recording URL. */
  readonly transcribe?: { readonly language: string } | undefined;
  /** BCP-47 language of the spoken greeting. */
  readonly language?: string | undefined;
}

export type NccoAction = Record<string, unknown> & { readonly action: string };

/** The record action (plus the thank-you) that makes a voicemail. */
export function voicemailActions(o: NccoOptions, opts: { prompt?: string } = {}): NccoAction[] {
  const recordingUrl = callbackUrl(o.publicBaseUrl, VONAGE_VOICE_PATHS.recording, o.secret, o.call);
  const timeOut = Math.min(RECORD_TIMEOUT.max, Math.max(RECORD_TIMEOUT.min, Math.round(o.greeting.maxLengthSeconds)));
  return [
    ...(opts.prompt ? [talk(opts.prompt, o.language)] : []),
    {
      action: 'record',
      format: 'mp3',
      // endOnSilence/timeOut/endOnKey make the record action wait for the caller (Vonage's "synchronous condition").
      endOnSilence: END_ON_SILENCE_SECONDS,
      endOnKey: '#',
      timeOut,
      beepStart: true,
      eventUrl: [recordingUrl],
      eventMethod: 'POST',
      ...(o.transcribe ? { transcription: { language: o.transcribe.language, eventUrl: [recordingUrl], eventMethod: 'POST' } } : {}),
    },
    talk('Thank you. Goodbye.', o.language),
  ];
}

const talk = (text: string, language: string | undefined): NccoAction => ({ action: 'talk', text, ...(language ? { language } : {}) });

/**
 * The answer NCCO: the greeting for open or closed hours; when open and a forward number is set,
 * ring it first (`connect`, synchronous so that an unanswered forward comes back to the event
 * webhook, which then answers the voicemail NCCO); otherwise record a voicemail.
 */
export function answerNcco(o: NccoOptions): NccoAction[] {
  const greeting = talk(o.greeting.text, o.language);
  if (o.greeting.forwardTo) {
    return [
      greeting,
      {
        action: 'connect',
        from: o.call.to,
        timeout: FORWARD_RING_SECONDS,
        eventType: 'synchronous',
        eventUrl: [callbackUrl(o.publicBaseUrl, VONAGE_VOICE_PATHS.event, o.secret, o.call)],
        eventMethod: 'POST',
        endpoint: [{ type: 'phone', number: vonageNumber(o.greeting.forwardTo) }],
      },
    ];
  }
  return [greeting, ...voicemailActions(o)];
}
