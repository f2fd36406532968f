/** Voice ports (issue 16) for the webhook and worker functions: the call store and recording downloads. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectEraser } from '../adapters/s3-erase.ts';
import type { ClientSource } from '../adapters/lazy-client.ts';
import { ATTACHMENTS } from '../spec.ts';
import { DynamoVoiceStore } from '../adapters/dynamo-voice.ts';
import { RecordingDispatcher, type ProviderRecordings } from '../adapters/recordings.ts';
import { TwilioRecordings } from '../adapters/twilio-recordings.ts';
import { vonageRecordingFetcherFromConfig } from '../adapters/vonage-recordings.ts';
import type { Config } from '../config.ts';
import type { VoiceDeps, VoiceProvider } from '../core/voice/ports.ts';

/**
 * `more`: further providers' fetchers (Vonage's), by provider. `s3`: where the download job may
 * delete audio it stored for a call erased meanwhile (the worker; only keys under attachments/voice/).
 */
export function voiceDeps(config: Config, dynamo: DynamoDBClient, more: Partial<Record<VoiceProvider, ProviderRecordings>> = {}, fetchImpl: typeof fetch = fetch, s3?: ClientSource<S3Client>): VoiceDeps {
  const s = config.secrets;
  return {
    store: new DynamoVoiceStore(dynamo, config.tableName),
    recordings: new RecordingDispatcher({
      twilio: new TwilioRecordings({ accountSid: s.TWILIO_ACCOUNT_SID, authToken: s.TWILIO_AUTH_TOKEN, apiBaseUrl: config.apiBaseUrls.TWILIO_API_BASE_URL }, fetchImpl),
      vonage: vonageRecordingFetcherFromConfig(config, fetchImpl),
      ...more,
    }),
    settings: config.voice,
    ...(s3 ? { objects: voiceAudioEraser(new S3ObjectEraser(s3, config.attachmentsBucket)) } : {}),
  };
}

/** Deletes only call recordings (attachments/voice/…): all the worker's grant allows. */
const voiceAudioEraser = (eraser: S3ObjectEraser): NonNullable<VoiceDeps['objects']> => ({
  deleteObjects: (keys) => eraser.deleteObjects(keys.filter((k) => k.startsWith(`${ATTACHMENTS.prefix}voice/`))),
});
