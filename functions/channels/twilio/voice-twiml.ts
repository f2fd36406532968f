/** TwiML for Twilio Voice (issue 16): greeting, optional forward, then a voicemail. Pure. */
import type { Greeting } from '../../core/voice/greeting.ts';

/** XML-escape text and attribute values. */
export const xml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

const doc = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

export const EMPTY_TWIML = doc('');
export const HANGUP_TWIML = doc('<Hangup/>');

export interface VoiceUrls {
  /** The answer route (also the `<Dial action>` and `<Record action>`: its answer is a hang-up). */
  readonly answer: string;
  readonly recording: string;
  readonly transcription: string;
}

/** Where our callbacks go, from PUBLIC_BASE_URL; the recording callback carries the call's numbers (Twilio's omits them). */
export function voiceUrls(publicBaseUrl: string, from: string, to: string): VoiceUrls {
  const base = `${publicBaseUrl}/webhooks/twilio/voice`;
  return { answer: base, recording: `${base}/recording?${new URLSearchParams({ From: from, To: to })}`, transcription: `${base}/transcription` };
}

function record(g: Greeting, urls: VoiceUrls): string {
  return (
    `<Record maxLength="${g.maxLengthSeconds}" playBeep="true" action="${xml(urls.answer)}" ` +
    `recordingStatusCallback="${xml(urls.recording)}" recordingStatusCallbackEvent="completed" ` +
    `transcribe="true" transcribeCallback="${xml(urls.transcription)}"/>`
  );
}

/**
 * The answer: `<Say>` the greeting; when open with a forward number, `<Dial>` it first (its action
 * comes back to the answer route with DialCallStatus: see `afterDial`); otherwise record a voicemail.
 */
export function answerTwiml(g: Greeting, urls: VoiceUrls): string {
  const say = `<Say>${xml(g.text)}</Say>`;
  if (g.forwardTo) return doc(`<Dial timeout="20" action="${xml(urls.answer)}">${xml(g.forwardTo)}</Dial>`);
  return doc(say + record(g, urls));
}

/** Back from `<Dial>`: answered → hang up; nobody answered → the greeting and a voicemail. */
export function afterDialTwiml(answered: boolean, g: Greeting, urls: VoiceUrls): string {
  return answered ? HANGUP_TWIML : doc(`<Say>${xml(g.text)}</Say>` + record(g, urls));
}
