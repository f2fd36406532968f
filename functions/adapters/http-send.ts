/** One outbound HTTP call to a provider's send API, with the retry classification every sender shares. */
import { PermanentSendError } from '../core/ports.ts';

export interface SendRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly provider: string;
  readonly timeoutMs?: number;
}

/** POST and return the parsed JSON answer; 4xx (but 408/429) is permanent, everything else transient. */
export async function postForJson(fetchImpl: typeof fetch, req: SendRequest): Promise<Record<string, unknown>> {
  const res = await fetchImpl(req.url, {
    method: 'POST',
    headers: { accept: 'application/json', ...req.headers },
    body: req.body,
    signal: AbortSignal.timeout(req.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  const json = safeJson(text);
  if (res.ok) return json ?? {};
  const detail = json ? JSON.stringify(json).slice(0, 300) : text.slice(0, 300);
  const reason = `${req.provider} answered ${res.status}: ${detail}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentSendError(reason);
  throw new Error(reason);
}

export const safeJson = (s: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** Read a string at a path like ['messages', 0, 'id'] from a JSON answer. */
export function pick(json: unknown, path: ReadonlyArray<string | number>): string | undefined {
  let cur: unknown = json;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return typeof cur === 'string' ? cur : typeof cur === 'number' ? String(cur) : undefined;
}
