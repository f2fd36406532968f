/** Deletes stored bytes (attachments, full texts, large HTML) from the attachments bucket: the api's part of an erase. */
import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type ClientSource } from './lazy-client.ts';
import type { ObjectEraser } from '../core/contact-ports.ts';
import { ATTACHMENTS } from '../spec.ts';

/** Objects deleted at once (each is one DeleteObject: the bucket is not versioned, so that removes the bytes). */
const CONCURRENCY = 8;

export class S3ObjectEraser implements ObjectEraser {
  readonly #s3: ClientSource<S3Client>;
  readonly #bucket: string;
  constructor(s3: ClientSource<S3Client>, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  /** Idempotent: deleting a key that is already gone succeeds. Keys outside the attachments prefix are never touched. */
  async deleteObjects(keys: readonly string[]): Promise<void> {
    const mine = [...new Set(keys)].filter((k) => k.startsWith(ATTACHMENTS.prefix) && !k.includes('..'));
    if (!mine.length) return;
    const [s3, { DeleteObjectCommand }] = await Promise.all([clientOf(this.#s3), import('@aws-sdk/client-s3')]);
    for (let i = 0; i < mine.length; i += CONCURRENCY) {
      await Promise.all(mine.slice(i, i + CONCURRENCY).map((Key) => s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key }))));
    }
  }
}
