/**
 * The inbound API channel's configuration (`API_CHANNEL_SECRETS`): a JSON object mapping each custom
 * source (`[a-z0-9_-]{1,64}`) to its Standard Webhooks secret (`whsec_…`), or to a list of secrets
 * (newest first) while one is being rotated. Pure.
 */
import { secretKey } from './events-out/standard-webhooks.ts';

export const API_SOURCE = /^[a-z0-9_-]{1,64}$/;
/** Secrets one source may have at once (rotation). */
const MAX_SECRETS_PER_SOURCE = 3;

/** Source → secrets, or undefined when the value is not a valid configuration. */
export function parseApiChannelSecrets(raw: string): ReadonlyMap<string, readonly string[]> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out = new Map<string, readonly string[]>();
  for (const [source, value] of Object.entries(parsed)) {
    const secrets = typeof value === 'string' ? [value] : value;
    if (!API_SOURCE.test(source) || !Array.isArray(secrets) || secrets.length < 1 || secrets.length > MAX_SECRETS_PER_SOURCE) return undefined;
    if (!secrets.every((s) => typeof s === 'string' && secretKey(s) !== undefined)) return undefined;
    out.set(source, secrets as string[]);
  }
  return out;
}

/** The provider name an API-channel ticket carries: `api:<source>` (its dedupe and thread scope). */
export const apiProvider = (source: string): string => `api:${source}`;
