/**
 * The Lambda wiring (functions/wiring/*.ts) against the real local engines: the S3 client is made on
 * first use and its commands load lazily (adapters/lazy-client.ts), so these paths are exercised
 * here end to end rather than only through the local stack's eagerly made clients.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onFirstUse } from '../../functions/adapters/lazy-client.ts';
import { S3ObjectEraser } from '../../functions/adapters/s3-erase.ts';
import { apiDeps } from '../../functions/wiring/api.ts';
import { webhookDeps } from '../../functions/wiring/webhook.ts';
import { ATTACHMENTS } from '../../functions/spec.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let made = 0;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const lazyS3 = () =>
  onFirstUse(async () => {
    made++;
    return stack.clients.s3;
  });

describe('Lambda wiring with clients made on first use', () => {
  it('webhook: attachment bytes go to the bucket and SES S3-action mail is read back, through one lazily made client', async () => {
    made = 0;
    const deps = webhookDeps(stack.runtime.config, { dynamo: stack.clients.dynamo, sqs: stack.clients.sqs, s3: lazyS3() });
    expect(made).toBe(0);
    const key = `${ATTACHMENTS.prefix}wiring/${Date.now()}.bin`;
    await deps.attachments.put(key, new Uint8Array([1, 2, 3]), 'application/octet-stream');
    const got = await stack.clients.s3.send(new GetObjectCommand({ Bucket: stack.runtime.config.attachmentsBucket, Key: key }));
    expect([...(await got.Body!.transformToByteArray())]).toEqual([1, 2, 3]);
    expect((await deps.attachments.getObject(stack.runtime.config.attachmentsBucket, key)).toJSON().data).toEqual([1, 2, 3]);
    expect(made).toBe(1);
  });

  it('api: a presigned download URL (presigner loaded on first use) fetches the bytes', async () => {
    made = 0;
    const key = `${ATTACHMENTS.prefix}wiring/${Date.now()}-link.txt`;
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.runtime.config.attachmentsBucket, Key: key, Body: 'hello' }));
    const deps = apiDeps(stack.runtime.config, { dynamo: stack.clients.dynamo, sqs: stack.clients.sqs, s3: lazyS3() });
    expect(made).toBe(0);
    const url = await deps.attachments.downloadUrl(key, 'hello.txt');
    expect(url).toContain('X-Amz-Signature=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(made).toBe(1);
  });

  it('api erase: stored bytes are deleted through the lazily made client, only under the attachments prefix', async () => {
    made = 0;
    const bucket = stack.runtime.config.attachmentsBucket;
    const mine = `${ATTACHMENTS.prefix}wiring/${Date.now()}-erase.bin`;
    const outside = `other/${Date.now()}-keep.bin`;
    for (const Key of [mine, outside]) await stack.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
    const eraser = new S3ObjectEraser(lazyS3(), bucket);
    await eraser.deleteObjects([mine, mine, outside]);
    expect(made).toBe(1);
    await expect(stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: mine }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect((await stack.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: outside }))).Body).toBeDefined();
    // Idempotent: deleting what is already gone succeeds.
    await eraser.deleteObjects([mine]);
  });
});

