/** What the voice service needs from the outside world (adapters: dynamo-voice.ts, recordings.ts). */
import type { ChangeRecord } from '../ports.ts';
import type { Message, Ticket } from '../types.ts';
import type { VoiceSettings } from './greeting.ts';

export type VoiceProvider = 'twilio' | 'vonage';

/** A recording's bytes, as the provider served them. */
export interface Recording {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/**
 * The provider refused to serve the recording for good (4xx), or the URL is not on the provider's
 * own API host (refused before any request is made): retrying cannot help.
 */
export class RecordingRefused extends Error {
  readonly reason: 'foreign_host' | 'bad_url' | 'not_found' | 'too_large' | 'not_configured' | 'unreadable';
  constructor(reason: RecordingRefused['reason'], message: string) {
    super(message);
    this.name = 'RecordingRefused';
    this.reason = reason;
  }
}

/**
 * Downloads a call recording with the provider's credentials. The adapter checks the URL's host
 * against the provider's API host (the configured base URL) BEFORE any request and throws
 * RecordingRefused('foreign_host') otherwise; any other failure is a plain Error (retried).
 */
export interface RecordingFetcher {
  fetch(provider: VoiceProvider, url: string): Promise<Recording>;
  /**
   * A transcript file's text (Vonage's transcription callback names a file), downloaded like a
   * recording but capped small; RecordingRefused when it can never be read ('unreadable' for a
   * file that is not the provider's transcript format). Absent: transcripts are refused.
   */
  fetchTranscript?(provider: VoiceProvider, url: string): Promise<string>;
}

/** A call's message and its ticket, found by the provider's call id. */
export interface StoredCall {
  readonly ticket: Ticket;
  readonly message: Message;
}

export interface VoiceStore {
  /** The message (and its ticket) whose provider message id is the call id. */
  findCall(provider: VoiceProvider, callId: string): Promise<StoredCall | undefined>;
  /**
   * Replace the call's message (guarded by its `voice.rev` being `expectedRev`) and, when given,
   * the ticket (guarded by version) with the change's events, in one transaction. Throws
   * ConflictError on a lost race.
   */
  saveCall(args: {
    readonly message: Message;
    readonly expectedRev: number;
    readonly ticket?: { readonly ticket: Ticket; readonly expectedVersion: number; readonly change: ChangeRecord };
    /** Only bump the ticket's updatedAt (no version: a message-level change). */
    readonly touch?: string;
  }): Promise<void>;
}

/** The voice ports on CoreDeps (webhook and worker functions). */
export interface VoiceDeps {
  readonly store: VoiceStore;
  readonly recordings: RecordingFetcher;
  readonly settings: VoiceSettings;
  /**
   * Deletes recording audio the download job stored when the call's message turned out to be
   * erased meanwhile (worker: DeleteObject under attachments/voice/ only). Absent: logged only.
   */
  readonly objects?: { deleteObjects(keys: readonly string[]): Promise<void> };
}
