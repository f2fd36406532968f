/** Twilio recordings: Basic auth (AccountSid:AuthToken), only from TWILIO_API_BASE_URL's host. */
import type { Recording } from '../core/voice/ports.ts';
import { allowedUrl, downloadAudio, type ProviderRecordings } from './recordings.ts';

export interface TwilioRecordingsConfig {
  readonly accountSid?: string | undefined;
  readonly authToken?: string | undefined;
  /** https://api.twilio.com (tests: a local stub). */
  readonly apiBaseUrl: string;
}

/**
 * Where api.twilio.com may redirect a recording's media request: Twilio's own hosts (twilio.com,
 * twiliocdn.com) and Amazon S3, where Twilio keeps recording media and hands out short-lived
 * pre-signed URLs. Anything else (another domain, an IP literal) is refused.
 */
export function twilioMediaHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return /(^|\.)twilio\.com$/.test(h) || /(^|\.)twiliocdn\.com$/.test(h) || /^([a-z0-9-]+\.)*s3([.-][a-z0-9-]+)*\.amazonaws\.com$/.test(h);
}

export class TwilioRecordings implements ProviderRecordings {
  readonly #cfg: TwilioRecordingsConfig;
  readonly #fetch: typeof fetch;
  constructor(cfg: TwilioRecordingsConfig, fetchImpl: typeof fetch = fetch) {
    this.#cfg = cfg;
    this.#fetch = fetchImpl;
  }

  async fetch(raw: string): Promise<Recording> {
    // The host check comes first: a foreign URL is never requested, credentials or not.
    const url = allowedUrl(raw, this.#cfg.apiBaseUrl);
    const { accountSid, authToken } = this.#cfg;
    // Missing credentials are an operator's fix away: retried, then parked in the DLQ (redrivable).
    if (!accountSid || !authToken) throw new Error('not_configured: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to download recordings');
    return downloadAudio(this.#fetch, url, { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` }, twilioMediaHost);
  }
}
