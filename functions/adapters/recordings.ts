/**
 * Recording downloads (issue 16): the dispatcher choosing the provider's fetcher, and what every
 * provider's fetcher shares: the host allow-list check (before any request) and a bounded download.
 */
import { RecordingRefused, type Recording, type RecordingFetcher, type VoiceProvider } from '../core/voice/ports.ts';

/** Largest recording we download (a 1-hour WAV at 8 kHz is about 58 MB; MP3 far less). */
export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export interface ProviderRecordings {
  fetch(url: string): Promise<Recording>;
  /** A transcript file's text (Vonage), size-capped; absent where the provider sends the text itself. */
  transcript?(url: string): Promise<string>;
}

/** Chooses the provider's fetcher; a provider without one is refused (never fetched). */
export class RecordingDispatcher implements RecordingFetcher {
  readonly #byProvider: Partial<Record<VoiceProvider, ProviderRecordings>>;
  constructor(byProvider: Partial<Record<VoiceProvider, ProviderRecordings>>) {
    this.#byProvider = byProvider;
  }
  fetch(provider: VoiceProvider, url: string): Promise<Recording> {
    const p = this.#byProvider[provider];
    if (!p) return Promise.reject(new RecordingRefused('not_configured', `no recording fetcher for ${provider}`));
    return p.fetch(url);
  }
  fetchTranscript(provider: VoiceProvider, url: string): Promise<string> {
    const p = this.#byProvider[provider];
    if (!p?.transcript) return Promise.reject(new RecordingRefused('not_configured', `no transcript fetcher for ${provider}`));
    return p.transcript(url);
  }
}

/**
 * The URL, if it is on the allowed base URL's origin (scheme, host and port) and under its path;
 * RecordingRefused('foreign_host') otherwise. Checked before any request is made.
 */
export function allowedUrl(raw: string, allowedBase: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RecordingRefused('bad_url', 'the recording URL is not a URL');
  }
  const base = new URL(allowedBase);
  if (url.username || url.password) throw new RecordingRefused('bad_url', 'the recording URL carries credentials');
  if (url.origin !== base.origin) throw new RecordingRefused('foreign_host', `recording host ${url.host} is not the provider's API host ${base.host}`);
  const prefix = base.pathname.replace(/\/+$/, '') + '/';
  if (!url.pathname.startsWith(prefix) && base.pathname !== '/') throw new RecordingRefused('foreign_host', `recording path is not under ${base.pathname}`);
  return url;
}

/** An IP-literal host (IPv4 dotted/decimal/hex forms or a bracketed IPv6): never a provider's media host. */
export function isIpLiteral(host: string): boolean {
  const h = host.toLowerCase();
  return h.startsWith('[') || /^[0-9.]+$/.test(h) || /^0x[0-9a-f.x]+$/.test(h) || /^\d+$/.test(h);
}

/**
 * GET the audio with the provider's credentials. A redirect is followed once, without the
 * credentials (the provider hands out a short-lived signed media URL), only to the same origin or
 * to HTTPS on a host `redirectHost` allows (never an IP literal); anything else is refused.
 * 404/410 is RecordingRefused('not_found') (final); every other failure (401/403 after a rotated
 * token, 429, 5xx, network) is a plain Error: the job is retried and ends in the DLQ (redrivable).
 */
export async function downloadAudio(fetchImpl: typeof fetch, url: URL, headers: Record<string, string>, redirectHost: (host: string) => boolean = () => false): Promise<Recording> {
  let res = await fetchImpl(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
    let next: URL;
    try {
      next = new URL(res.headers.get('location')!, url);
    } catch {
      throw new RecordingRefused('bad_url', 'the recording redirect is not a URL');
    }
    await res.body?.cancel();
    const sameOrigin = next.origin === url.origin;
    if (!sameOrigin) {
      if (next.protocol !== 'https:' || next.username || next.password) throw new RecordingRefused('bad_url', 'the recording redirect is not plain HTTPS');
      if (isIpLiteral(next.hostname)) throw new RecordingRefused('foreign_host', 'the recording redirect points at an IP address');
      if (!redirectHost(next.hostname.toLowerCase())) throw new RecordingRefused('foreign_host', `the recording redirect host ${next.hostname} is not one of the provider's media hosts`);
    }
    res = await fetchImpl(next, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  }
  if (res.status === 404 || res.status === 410) {
    await res.body?.cancel();
    throw new RecordingRefused('not_found', `recording download answered ${res.status}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`recording download answered ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_RECORDING_BYTES) {
    await res.body?.cancel();
    throw new RecordingRefused('too_large', `the recording is ${declared} bytes; the limit is ${MAX_RECORDING_BYTES}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (let r = await reader?.read(); reader && r && !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > MAX_RECORDING_BYTES) {
      await reader.cancel();
      throw new RecordingRefused('too_large', `the recording is over ${MAX_RECORDING_BYTES} bytes`);
    }
    chunks.push(r.value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  const contentType = (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
  return { bytes, contentType };
}
