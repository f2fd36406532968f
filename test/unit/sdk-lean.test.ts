/**
 * functions/adapters/sdk-lean.ts: the SHA-256/HMAC the SDK signs with, and the logger without `info`.
 * Vectors: FIPS 180-2 (SHA-256 of "", "a" and "abc") and RFC 4231 test cases 1, 2 and 6 (HMAC-SHA256); the
 * stock hash (@smithy/core) on random input.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bounded, CLIENT_TIMEOUTS } from '../../functions/adapters/client-options.ts';
import { LEAN_SDK, Sha256 } from '../../functions/adapters/sdk-lean.ts';
// The SDK's own hash (@smithy/core, installed with the SDK), to compare digests with.
import { Sha256 as StockSha256 } from '@smithy/core/checksum';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
async function digest(secret: ConstructorParameters<typeof Sha256>[0], ...parts: Parameters<Sha256['update']>[]) {
  const h = new Sha256(secret);
  for (const p of parts) h.update(...p);
  return hex(await h.digest());
}

describe('Sha256 (the SDK sha256 option)', () => {
  it('hashes as FIPS 180-2 publishes', async () => {
    expect(await digest(undefined)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await digest(undefined, ['abc'])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await digest(undefined, ['a'], ['b'], ['c'])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('keys HMAC-SHA256 as RFC 4231 publishes, whatever form the key takes', async () => {
    expect(await digest(new Uint8Array(20).fill(0x0b), ['Hi There'])).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(await digest('Jefe', ['what do ya want for nothing?'])).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    // A key longer than the block is hashed first (test case 6); given as an ArrayBuffer.
    expect(await digest(new Uint8Array(131).fill(0xaa).buffer, ['Test Using Larger Than Block-Size Key - Hash Key First'])).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
    // A view into a larger buffer uses only its own bytes, for the key and for the data.
    const big = new Uint8Array(40).fill(0x01);
    big.fill(0x0b, 10, 30);
    const data = Buffer.concat([Buffer.from('xx'), Buffer.from('Hi There'), Buffer.from('yy')]);
    expect(await digest(big.subarray(10, 30), [data.subarray(2, 10)])).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  });

  it('keys as the stock hash does at the edges: an empty string is no key, empty bytes an empty HMAC key', async () => {
    expect(await digest('', ['abc'])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await digest(new Uint8Array(0), [''])).toBe('b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad');
  });

  it("a plain hash's digest leaves it usable; an HMAC's finishes it", async () => {
    const h = new Sha256();
    h.update('a');
    expect(hex(await h.digest())).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    h.update('bc');
    expect(hex(await h.digest())).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const m = new Sha256('Jefe');
    m.update('what do ya want for nothing?');
    await m.digest();
    expect(() => m.update('more')).toThrow(/finished/);
  });

  it('gives the stock hash’s digests on random keys and data of every form', async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    const forms = [(b: Uint8Array) => b, (b: Uint8Array) => Buffer.from(b), (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength), (b: Uint8Array) => Buffer.from(b).toString('latin1')];
    for (let i = 0; i < 200; i++) {
      const key = i % 5 === 0 ? undefined : forms[i % 4]!(randomBytes(Math.floor(rand() * 100)));
      const parts = Array.from({ length: 1 + (i % 3) }, (_, j) => forms[(i + j) % 4]!(randomBytes(Math.floor(rand() * 300))));
      const ours = new Sha256(key as never);
      const stock = new StockSha256(key as never);
      for (const p of parts) {
        ours.update(p as never);
        stock.update(p as never);
      }
      expect(hex(await ours.digest()), `case ${i}`).toBe(hex(await stock.digest()));
    }
  });

  it('starts over on reset()', async () => {
    const h = new Sha256('Jefe');
    h.update('something else');
    h.reset();
    h.update('what do ya want for nothing?');
    expect(hex(await h.digest())).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

/** A DynamoDB client whose transport records the signed request and answers `{}`. */
function clientWith(options: object) {
  const sent: { headers: Record<string, string> }[] = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    ...options,
    requestHandler: {
      handle: async (req: { headers: Record<string, string> }) => {
        sent.push(req);
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) } };
      },
    } as never,
  });
  // The SDK's per-call random invocation id is signed too: made fixed so two clients sign the same request.
  client.middlewareStack.addRelativeTo(
    ((next: (a: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => {
      (args.request as { headers: Record<string, string> }).headers['amz-sdk-invocation-id'] = '00000000-0000-4000-8000-000000000000';
      return next(args);
    }) as never,
    { relation: 'before', toMiddleware: 'httpSigningMiddleware' },
  );
  return { client, sent };
}

describe('clients made with bounded()', () => {
  afterEach(() => vi.useRealTimers());

  it('sign every request exactly as the SDK default does', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-25T12:00:00Z') });
    const ours = clientWith(bounded(CLIENT_TIMEOUTS.dynamo));
    const stock = clientWith({ maxAttempts: 2 }); // signed too (amz-sdk-request: attempt=1; max=2)
    const cmd = () => new GetItemCommand({ TableName: 'tickets', Key: { PK: { S: 'TICKET#01J' }, SK: { S: 'META' } } });
    await ours.client.send(cmd());
    await stock.client.send(cmd());
    expect(ours.sent[0]!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261125\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/);
    expect(ours.sent[0]!.headers['authorization']).toBe(stock.sent[0]!.headers['authorization']);
  });

  it("skip the SDK's per-call log filter (it walked every attribute in and out for a no-op logger)", async () => {
    expect(LEAN_SDK.logger.info).toBeUndefined();
    // Named as the SDK's own, so the SDK parts that check the name still warn on the console.
    expect(LEAN_SDK.logger.constructor.name).toBe('NoOpLogger');
    // The filter reads each member of the input once more; count reads of one member.
    const readsOfKey = async (options: object) => {
      let reads = 0;
      const input = new Proxy({ TableName: 'tickets', Key: { PK: { S: 'TICKET#01J' } } }, { get: (t, p) => ((p === 'Key' && reads++), Reflect.get(t, p)) });
      await clientWith(options).client.send(new GetItemCommand(input));
      return reads;
    };
    const stock = await readsOfKey({});
    const ours = await readsOfKey(bounded(CLIENT_TIMEOUTS.dynamo));
    expect(ours).toBeGreaterThan(0);
    expect(ours).toBeLessThan(stock);
  });
});

describe('Sha256 key reuse', () => {
  it('a key buffer reused with other contents keys the HMAC with its new bytes', async () => {
    const key = new Uint8Array(20).fill(0x0b);
    expect(await digest(key, ['Hi There'])).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(await digest(key, ['Hi There'])).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    key.set(Buffer.from('Jefe'));
    const jefe = Buffer.from('Jefe');
    const expected = await digest(new Uint8Array([...jefe, ...new Uint8Array(16).fill(0x0b)]), ['what do ya want for nothing?']);
    expect(await digest(key, ['what do ya want for nothing?'])).toBe(expected);
    expect(expected).not.toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'); // the key is 20 bytes, not "Jefe"
  });
});
