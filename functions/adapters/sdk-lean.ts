/**
 * Two per-call costs of the AWS SDK v3 that buy nothing here, removed through its own options
 * (`bounded()` in client-options.ts passes both to every client). Measured by `bench/sdk.ts`
 * (part `sdk`): SDK CPU per DynamoDB call with a stub transport, default options vs these.
 *
 * - Log filtering. The SDK's logger middleware calls `logger?.info?.({ input: filter(input), output:
 *   filter(output) })` after every call: with its default no-op logger the `info` method exists, so
 *   the arguments are built, and building them walks every attribute of every item in and out
 *   against the service schema to mask sensitive members, only for a no-op to drop the result. A
 *   logger without `info` skips the walk (the optional call never evaluates its arguments); `warn`,
 *   `debug`, `trace` and `error`, which other SDK parts call, stay no-ops as before.
 * - HMAC keys. SigV4 signs every request with HMAC-SHA256. The SDK's hash keys `createHmac` with a
 *   raw Buffer, which on Node 24 costs ~13 µs a call against ~4 µs for a KeyObject (node's
 *   `prepareSecretKey` takes a slow path for Buffers). `Sha256` below is the SDK's hash with the key
 *   made a KeyObject first; the digests are the same bytes (RFC 4231 vectors and a SigV4 signature
 *   compared with the SDK's own, test/unit/sdk-lean.test.ts).
 */
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData, encoding?: BufferEncoding): Buffer => {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
};

/**
 * The HMAC key as a KeyObject. SigV4 signs every request with the signing key it derived and cached
 * for the day, the same Uint8Array each time: its KeyObject is made once (weakly held). A KeyObject
 * cannot be empty; an empty key keys the HMAC as the SDK's own hash does.
 */
const keyObjects = new WeakMap<object, { readonly bytes: Buffer; readonly key: KeyObject }>();
function keyOf(secret: SourceData): KeyObject | Buffer {
  const key = bytes(secret);
  if (key.length === 0) return key;
  if (typeof secret === 'string') return createSecretKey(key);
  // Keyed by the object, checked by its bytes: a buffer reused with other contents gets a new key.
  const cached = keyObjects.get(secret);
  if (cached?.bytes.equals(key)) return cached.key;
  const made = createSecretKey(key);
  keyObjects.set(secret, { bytes: Buffer.from(key), key: made });
  return made;
}

/** The SDK's `sha256` option (a HashConstructor): SHA-256, or HMAC-SHA256 when given a secret. */
export class Sha256 {
  readonly #secret: SourceData | undefined;
  #hash!: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.reset();
  }

  update(data: SourceData, encoding?: 'utf8' | 'base64' | 'hex'): void {
    this.#hash.update(bytes(data, encoding));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }

  reset(): void {
    if (this.#secret === undefined) {
      this.#hash = createHash('sha256');
      return;
    }
    this.#hash = createHmac('sha256', keyOf(this.#secret));
  }
}

const noop = (): void => undefined;

/** The SDK's default logger minus `info`, the one method only the per-call log middleware uses. */
export const SDK_LOGGER = { trace: noop, debug: noop, warn: noop, error: noop } as unknown as {
  trace: () => void;
  debug: () => void;
  info: () => void;
  warn: () => void;
  error: () => void;
};

/** Both, as client options (bounded() adds them to every client of ours; the local stream poller uses them too). */
export const LEAN_SDK = { sha256: Sha256, logger: SDK_LOGGER } as const;
