/**
 * Voice (Twilio Voice, Vonage Voice): what every voice webhook normalizes into. Pure: no AWS, no I/O.
 * One call is one inbound message (keyed by the provider's call id); each callback is a CallEvent
 * merged into it, in whatever order callbacks arrive, and a repeated callback changes nothing.
 */
export type CallStatus = 'ringing' | 'in-progress' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';

export interface CallRecording {
  /** RecordingSid (Twilio) or recording_uuid (Vonage). */
  readonly id: string;
  /** Where the provider serves the audio; fetched only from the provider's own API host (or the configured local base URL). */
  readonly url: string;
  readonly durationSeconds: number;
}

export interface CallTranscript {
  /** TranscriptionSid (Twilio) or the provider's transcription id. */
  readonly id: string;
  /** The words; empty while `url` still has to be fetched. */
  readonly text: string;
  readonly recordingId?: string;
  /**
   * Where the provider serves the transcript when its callback carries no text (Vonage): the
   * worker fetches it (job `voice-transcript`, the provider's own API host only) and fills `text`.
   */
  readonly url?: string;
}

export interface CallEvent {
  readonly provider: 'twilio' | 'vonage';
  /** CallSid (Twilio) or the call's uuid (Vonage): the dedupe key of the call's message. */
  readonly callId: string;
  /** The caller, E.164. */
  readonly from: string;
  /** The number called (our inbox), E.164. */
  readonly to: string;
  /** When we received the callback (ISO). */
  readonly receivedAt: string;
  /** Provider account (Twilio AccountSid, Vonage application id), for replies by SMS. */
  readonly providerAccount?: string;
  readonly kind: 'answer' | 'status' | 'recording' | 'transcription';
  readonly status?: CallStatus;
  /** A forwarded call an agent picked up (Twilio `<Dial>` completed): not missed, no voicemail expected. */
  readonly answered?: boolean;
  readonly recording?: CallRecording;
  readonly transcript?: CallTranscript;
}
