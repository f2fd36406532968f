/** Object bytes on S3: attachment puts and SES S3-action mail reads (no presigner: the webhook's part). */
import type { S3Client } from '@aws-sdk/client-s3';
import type { AttachmentStore } from '../core/ports.ts';
import { clientOf, type ClientSource } from './lazy-client.ts';

export class S3ObjectStore implements Pick<AttachmentStore, 'put' | 'getObject'> {
  readonly #s3: ClientSource<S3Client>;
  readonly #bucket: string;
  constructor(s3: ClientSource<S3Client>, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async put(key: string, body: Uint8Array, contentType: string | undefined): Promise<void> {
    const [s3, { PutObjectCommand }] = await Promise.all([clientOf(this.#s3), import('@aws-sdk/client-s3')]);
    await s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ContentType: contentType ?? 'application/octet-stream',
        ServerSideEncryption: 'AES256',
      }),
    );
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const [s3, { GetObjectCommand }] = await Promise.all([clientOf(this.#s3), import('@aws-sdk/client-s3')]);
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!r.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return Buffer.from(await r.Body.transformToByteArray());
  }
}
