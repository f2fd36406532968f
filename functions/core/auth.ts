/**
 * API key authentication and scopes. Keys are configured as SHA-256 hashes (`sha256:<hex>`, or a
 * plain `key` for local use) and compared as digests in constant time; a key may be restricted to
 * some channels.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ClientError } from './errors.ts';
import type { Channel } from './types.ts';

/** `reports:read` is its own scope: a `tickets:read` key does not get it implicitly. */
export const SCOPES = ['tickets:read', 'tickets:write', 'reports:read', 'contacts:read', 'contacts:write', 'webhooks:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** One configured key: its plain value (local use) or its hash, what it may do and see. */
export type ApiKey = {
  readonly scopes: readonly Scope[];
  readonly name?: string | undefined;
  /** The only channels the key may see; absent = all. */
  readonly channels?: readonly Channel[] | undefined;
} & ({ readonly key: string; readonly hash?: undefined } | { readonly hash: string; readonly key?: undefined });

/** `sha256:` and 64 lowercase hex digits. */
export const KEY_HASH = /^sha256:[0-9a-f]{64}$/;

/** Prefix of the keys `npm run key -- create` makes, so a leaked one is recognisable (e.g. by secret scanners). */
export const KEY_PREFIX = 'swk_';

/** The stored form of a key: `sha256:<hex of SHA-256 of the key's UTF-8 bytes>`. */
export const hashKey = (key: string): string => `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;

/** A new random key: the prefix and 32 random bytes, base64url. */
export const newApiKey = (): string => `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

export interface Principal {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The only channels this key may see (every route); undefined = all channels. */
  readonly channels?: readonly Channel[] | undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

const hashDigest = (hash: string): Buffer => {
  if (!KEY_HASH.test(hash)) throw new Error('an API key hash must be "sha256:" and 64 lowercase hex digits');
  return Buffer.from(hash.slice('sha256:'.length), 'hex');
};

export class ApiKeyAuthenticator {
  readonly #keys: ReadonlyArray<{ digest: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKey[]) {
    this.#keys = keys.map((k, i) => ({
      digest: k.key !== undefined ? digest(k.key) : hashDigest(k.hash),
      principal: {
        name: k.name ?? `key-${i + 1}`,
        scopes: new Set(k.scopes),
        ...(k.channels ? { channels: Object.freeze([...k.channels]) } : {}),
      },
    }));
  }

  /** Returns the principal for an `Authorization` header value, or throws 401. */
  authenticate(authorization: string | undefined): Principal {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw new ClientError(401, 'unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    const presented = digest(m[1]!);
    let found: Principal | undefined;
    // Compare against every key so the time taken does not reveal which one matched.
    for (const k of this.#keys) {
      if (timingSafeEqual(k.digest, presented)) found = k.principal;
    }
    if (!found) throw new ClientError(401, 'unauthorized', 'The API key is not valid.');
    return found;
  }
}

/** May this principal see tickets of this channel? */
export const canSeeChannel = (p: Principal, channel: Channel): boolean => !p.channels || p.channels.includes(channel);

export function requireScope(p: Principal, scope: Scope): void {
  if (!p.scopes.has(scope)) {
    throw new ClientError(403, 'forbidden', `This API key lacks the "${scope}" scope.`);
  }
}
