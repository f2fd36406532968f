/**
 * Vonage Voice recordings (and transcripts): downloaded with a JWT signed RS256 by the Vonage
 * application's private key, as Vonage requires, and ONLY from Vonage's own API hosts (or the
 * configured VONAGE_API_BASE_URL's origin, which is how tests and the local stack point it at a
 * stub), and only a file path (`/v1/files/<uuid>`). Anything else is refused before any request is
 * made. The JWT's `acl` lets it read files and nothing else. Timeouts, no redirects (one is refused
 * for good), a size cap enforced while reading. Only the worker calls this (never a webhook request).
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { transcriptText } from './vonage-transcript.ts';
import { RecordingRefused, type Recording } from '../core/voice/ports.ts';

/**
 * Vonage's API hosts a recording_url may name: the global one and the regional ones (Voice API
 * regions: api-us/eu/ap on nexmo.com, and the regional endpoints on vonage.com).
 */
export const VONAGE_API_HOSTS: ReadonlySet<string> = new Set([
  'api.nexmo.com',
  'api-us.nexmo.com',
  'api-eu.nexmo.com',
  'api-ap.nexmo.com',
  'api.vonage.com',
  'api-us-3.vonage.com',
  'api-us-4.vonage.com',
  'api-eu-3.vonage.com',
  'api-eu-4.vonage.com',
  'api-ap-3.vonage.com',
  'api-ap-4.vonage.com',
]);

export const VONAGE_RECORDING_LIMITS = {
  /** A 2-hour mp3 (Vonage's longest record timeOut) at 32 kbit/s is ~29 MB; voicemails are far smaller. */
  maxBytes: 25 * 1024 * 1024,
  /** Per download; well inside the worker's timeout (WORKER_TIMEOUT_SECONDS). */
  timeoutMs: 15_000,
  /** A transcript file (JSON, a few KB a minute) is refused past this many bytes, counted while reading. */
  maxTranscriptBytes: 1_000_000,
  transcriptTimeoutMs: 10_000,
  /** The download JWT lives this long. */
  tokenSeconds: 60,
} as const;

/** The only paths a recording or transcript URL may name: Vonage's media file API. */
const FILE_PATH = /^\/v1\/files\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The download JWT's `acl`: files only (a leaked token cannot list calls or control them). */
export const VONAGE_FILES_ACL = { paths: { '/*/files/**': {} } } as const;

export interface VonageRecordingConfig {
  readonly applicationId?: string | undefined;
  /** PEM (PKCS#8), as the Vonage dashboard hands it out; `\n` escapes are accepted (env vars). */
  readonly privateKey?: string | undefined;
  /** VONAGE_API_BASE_URL: its origin is allowed too (a local stub), with its scheme. */
  readonly apiBaseUrl: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly limits?: Partial<typeof VONAGE_RECORDING_LIMITS>;
}

/** Why a URL may not be fetched with our credentials, or undefined when it may. */
export function refuseVonageUrl(raw: string, apiBaseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'bad_url';
  }
  if (url.username || url.password) return 'bad_url';
  const base = new URL(apiBaseUrl);
  if (url.origin !== base.origin) {
    if (url.protocol !== 'https:' || (url.port && url.port !== '443')) return 'foreign_host';
    if (!VONAGE_API_HOSTS.has(url.hostname.toLowerCase())) return 'foreign_host';
  }
  // A Vonage host serves far more than files (call logs, call control): only a file path is fetched.
  return FILE_PATH.test(url.pathname) ? undefined : 'bad_url';
}

export function createVonageRecordingFetcher(cfg: VonageRecordingConfig): { fetch(url: string): Promise<Recording>; transcript(url: string): Promise<string> } {
  const limits = { ...VONAGE_RECORDING_LIMITS, ...cfg.limits };
  const doFetch = cfg.fetch ?? fetch;
  const now = cfg.now ?? (() => new Date());
  let key: KeyObject | undefined;
  /** PKCS#8 (what the Vonage dashboard downloads) or PKCS#1; a key that does not parse is a configuration error, never retried. */
  const signingKey = (pem: string): KeyObject => {
    if (key) return key;
    try {
      key = createPrivateKey(pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem);
    } catch {
      throw new RecordingRefused('not_configured', 'VONAGE_PRIVATE_KEY is not a readable PEM private key.');
    }
    if (key.asymmetricKeyType !== 'rsa') throw new RecordingRefused('not_configured', 'VONAGE_PRIVATE_KEY must be an RSA key (RS256).');
    return key;
  };

  async function token(): Promise<string> {
    if (!cfg.applicationId || !cfg.privateKey) throw new RecordingRefused('not_configured', 'VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY are needed to download Vonage recordings.');
    const iat = Math.floor(now().getTime() / 1000);
    // jose loads with the first Vonage download (its own chunk), not at every cold start.
    const { SignJWT } = await import('jose');
    return new SignJWT({ application_id: cfg.applicationId, acl: VONAGE_FILES_ACL })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + limits.tokenSeconds)
      .setJti(randomUUID())
      .sign(signingKey(cfg.privateKey));
  }

  /** GET a file: URL checked first, no redirect followed, the body refused past `maxBytes` while it streams. */
  async function download(url: string, what: string, maxBytes: number, timeoutMs: number): Promise<Recording> {
    const refused = refuseVonageUrl(url, cfg.apiBaseUrl);
    if (refused) throw new RecordingRefused(refused as 'foreign_host' | 'bad_url', `Not a Vonage file URL (${refused}): ${safeHost(url)}`);
    const res = await doFetch(url, {
      headers: { authorization: `Bearer ${await token()}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status >= 300 && res.status < 400) {
      // Vonage serves files directly; a redirect would carry our token's request elsewhere. Final.
      await res.body?.cancel();
      throw new RecordingRefused('bad_url', `Vonage answered a redirect (${res.status}) for the ${what} on ${safeHost(url)}; not followed.`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      if (res.status === 404 || res.status === 410 || res.status === 401 || res.status === 403) {
        throw new RecordingRefused('not_found', `Vonage answered ${res.status} for the ${what} on ${safeHost(url)}.`);
      }
      throw new Error(`Vonage answered ${res.status} for the ${what} on ${safeHost(url)}.`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      throw new RecordingRefused('too_large', `The ${what} is ${declared} bytes; the limit is ${maxBytes}.`);
    }
    const bytes = await readCapped(res, maxBytes, what);
    return { bytes, contentType: (res.headers.get('content-type') ?? 'audio/mpeg').split(';')[0]!.trim() || 'audio/mpeg' };
  }

  return {
    fetch: (url: string) => download(url, 'recording', limits.maxBytes, limits.timeoutMs),
    /** The transcript file's spoken text (may be empty); RecordingRefused('unreadable') when it is not JSON. */
    async transcript(url: string): Promise<string> {
      const { bytes } = await download(url, 'transcript', limits.maxTranscriptBytes, limits.transcriptTimeoutMs);
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        throw new RecordingRefused('unreadable', 'The Vonage transcript file is not JSON.');
      }
      return transcriptText(json);
    },
  };
}

/** The body, refused past `max` bytes whatever Content-Length said. */
async function readCapped(res: Response, max: number, what: string): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    total += r.value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new RecordingRefused('too_large', `The ${what} is over ${max} bytes.`);
    }
    chunks.push(r.value);
  }
  return Buffer.concat(chunks);
}

/** The host only: recording URLs are capabilities and stay out of logs. */
const safeHost = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable)';
  }
};

/** The fetcher as the config sets it up (the recordings dispatcher picks it for provider `vonage`). */
export const vonageRecordingFetcherFromConfig = (config: {
  readonly secrets: Readonly<Partial<Record<'VONAGE_APPLICATION_ID' | 'VONAGE_PRIVATE_KEY', string>>>;
  readonly apiBaseUrls: Readonly<{ VONAGE_API_BASE_URL: string }>;
}, fetchImpl?: typeof fetch) =>
  createVonageRecordingFetcher({
    applicationId: config.secrets.VONAGE_APPLICATION_ID,
    privateKey: config.secrets.VONAGE_PRIVATE_KEY,
    apiBaseUrl: config.apiBaseUrls.VONAGE_API_BASE_URL,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
