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
 *   `debug`, `trace` and `error`, which other SDK parts call, stay no-ops, and the logger keeps the
 *   SDK's class name, which some SDK parts check to warn on the console instead.
 * - HMAC keys. SigV4 signs every request with HMAC-SHA256. The SDK's hash keys `createHmac` with a
 *   raw Buffer, which on Node 24 costs ~13 µs a call against ~4 µs for a KeyObject (node's
 *   `prepareSecretKey` takes a slow path for Buffers). `Sha256` below is the SDK's hash with the key
 *   made a KeyObject first; the digests are the same bytes (FIPS 180-2 and RFC 4231 vectors, the
 *   stock hash on random input, and a SigV4 signature compared with the SDK's own:
 *   test/unit/sdk-lean.test.ts).
 */
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer => {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
};

/**
 * The HMAC key: a string as it is (node takes string keys on its fast path), bytes as a KeyObject.
 * SigV4 signs every request with the signing key it derived and cached for the day, the same
 * Uint8Array each time: its KeyObject is made once (weakly held), and checked by its bytes, so a
 * buffer reused with other contents gets a new key. An empty key stays bytes (a KeyObject cannot be
 * empty), as the SDK's own hash keys it.
 */
const keyObjects = new WeakMap<object, { readonly bytes: Buffer; readonly key: KeyObject }>();
function keyOf(secret: SourceData): KeyObject | Buffer | string {
  if (typeof secret === 'string') return secret;
  const key = bytes(secret);
  if (key.length === 0) return key;
  const cached = keyObjects.get(secret);
  if (cached?.bytes.equals(key)) return cached.key;
  const made = createSecretKey(key);
  keyObjects.set(secret, { bytes: Buffer.from(key), key: made });
  return made;
}

/**
 * The SDK's `sha256` option (a HashConstructor), with the stock hash's behaviour (@smithy/core's
 * Sha256Node): HMAC-SHA256 when given a truthy secret, else SHA-256; a plain hash's digest() leaves it
 * usable (it digests a copy), an HMAC's finishes it (update() then throws); reset() starts over.
 */
export class Sha256 {
  readonly digestLength = 32;
  readonly #secret: SourceData | undefined;
  readonly #isHmac: boolean;
  #hash: Hash | Hmac;
  #finished = false;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#isHmac = !!secret;
    this.#hash = this.#create();
  }

  update(data: SourceData): void {
    if (this.#finished) throw new Error('Attempted to update an already finished hash.');
    this.#hash.update(typeof data === 'string' ? data : bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    let out: Buffer;
    if (this.#isHmac) {
      this.#finished = true;
      out = this.#hash.digest();
    } else out = (this.#hash as Hash).copy().digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  reset(): void {
    this.#hash = this.#create();
    this.#finished = false;
  }

  #create(): Hash | Hmac {
    return this.#isHmac ? createHmac('sha256', keyOf(this.#secret!)) : createHash('sha256');
  }
}

/**
 * The SDK's default logger minus `info`, the one method only the per-call log middleware uses. Named
 * as the SDK's own (`NoOpLogger`): some SDK parts check that name to send their warnings to the
 * console instead (the HTTP handler's socket-capacity warning, for one), as they did before.
 */
class NoOpLogger {
  trace(): void {}
  debug(): void {}
  warn(): void {}
  error(): void {}
}
export const SDK_LOGGER = new NoOpLogger() as NoOpLogger & { info: () => void };

/** Both, as client options (bounded() adds them to every client of ours; the local stream poller uses them too). */
export const LEAN_SDK = { sha256: Sha256, logger: SDK_LOGGER } as const;
