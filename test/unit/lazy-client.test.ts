/** Clients made on first use (adapters/lazy-client.ts) and the S3/SES adapters that take them. */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOf, lazyS3Client, onFirstUse } from '../../functions/adapters/lazy-client.ts';
import { lazySesClient } from '../../functions/wiring/worker.ts';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { S3ObjectStore } from '../../functions/adapters/s3-objects.ts';
import { S3ObjectEraser } from '../../functions/adapters/s3-erase.ts';

describe('onFirstUse', () => {
  it('makes the client once, on the first call, and shares it between concurrent callers', async () => {
    let made = 0;
    const get = onFirstUse(async () => ({ n: ++made }));
    expect(made).toBe(0);
    const [a, b] = await Promise.all([get(), get()]);
    expect(made).toBe(1);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
  });

  it('a failed load is not kept: the next call tries again', async () => {
    let calls = 0;
    const get = onFirstUse(async () => {
      calls++;
      if (calls === 1) throw new Error('chunk failed to load');
      return { ok: true };
    });
    await expect(get()).rejects.toThrow('chunk failed to load');
    await expect(get()).resolves.toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  it('clientOf takes a client as it is, or a maker', async () => {
    const c = { send: () => 1 };
    expect(await clientOf(c)).toBe(c);
    expect(await clientOf(async () => c)).toBe(c);
  });
});

describe('the Lambdas\' lazily made clients', () => {
  it('lazyS3Client and lazySesClient make one real client each, with the bounded retry budget', async () => {
    const s3 = lazyS3Client();
    const a = await s3();
    expect(a).toBeInstanceOf(S3Client);
    expect(await s3()).toBe(a);
    expect(await a.config.maxAttempts()).toBe(2); // one retry (adapters/client-options.ts)
    const ses = lazySesClient();
    expect(await ses()).toBeInstanceOf(SESv2Client);
    expect(await ses()).toBe(await ses());
  });
});

describe('S3 adapters with a client made on first use', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('no S3 client exists until the first put; the put then goes through it', async () => {
    let made = 0;
    const source = onFirstUse(async () => {
      made++;
      return new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    });
    const store = new S3ObjectStore(source, 'bucket');
    expect(made).toBe(0);
    s3.on(PutObjectCommand).resolves({});
    await store.put('attachments/a', new Uint8Array([1, 2]), 'image/png');
    await store.put('attachments/b', new Uint8Array([3]), undefined);
    expect(made).toBe(1);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Key, p.ContentType, p.ServerSideEncryption])).toEqual([
      ['attachments/a', 'image/png', 'AES256'],
      ['attachments/b', 'application/octet-stream', 'AES256'],
    ]);
  });

  it('getObject reads through the lazily made client', async () => {
    const store = new S3ObjectStore(onFirstUse(async () => new S3Client({ region: 'eu-west-1' })), 'bucket');
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array([104, 105]) } as never });
    expect((await store.getObject('other', 'k')).toString()).toBe('hi');
  });

  it('an erase with nothing to delete never makes the client', async () => {
    let made = 0;
    const eraser = new S3ObjectEraser(onFirstUse(async () => (made++, new S3Client({ region: 'eu-west-1' }))), 'bucket');
    await eraser.deleteObjects(['not-attachments/x', 'attachments/../escape']);
    expect(made).toBe(0);
  });
});
