/** API key authentication and scopes. Keys are compared as SHA-256 digests in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ClientError } from './errors.ts';
import type { Channel } from './types.ts';

/** `reports:read` is its own scope: a `tickets:read` key does not get it implicitly. */
export const SCOPES = ['tickets:read', 'tickets:write', 'reports:read'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  readonly key: string;
  readonly scopes: readonly Scope[];
  readonly name?: string | undefined;
}

export interface Principal {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The only channels this key may see (every route); undefined = all channels. */
  readonly channels?: readonly Channel[] | undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class ApiKeyAuthenticator {
  readonly #keys: ReadonlyArray<{ digest: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKey[]) {
    this.#keys = keys.map((k, i) => ({
      digest: digest(k.key),
      principal: { name: k.name ?? `key-${i + 1}`, scopes: new Set(k.scopes) },
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

export function requireScope(p: Principal, scope: Scope): void {
  if (!p.scopes.has(scope)) {
    throw new ClientError(403, 'forbidden', `This API key lacks the "${scope}" scope.`);
  }
}
