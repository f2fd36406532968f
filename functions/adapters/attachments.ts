/** AttachmentStore on S3: email attachments' bytes, short-lived download URLs, SES S3-action mail. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AttachmentStore } from '../core/ports.ts';

export const DOWNLOAD_URL_TTL_SECONDS = 300;

export class S3AttachmentStore implements AttachmentStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async put(key: string, body: Uint8Array, contentType: string | undefined): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ContentType: contentType ?? 'application/octet-stream',
        ServerSideEncryption: 'AES256',
      }),
    );
  }

  downloadUrl(key: string, filename: string | undefined): Promise<string> {
    const safeName = (filename ?? 'attachment').replace(/["\\\r\n]/g, '_');
    return getSignedUrl(
      this.#s3,
      new GetObjectCommand({ Bucket: this.#bucket, Key: key, ResponseContentDisposition: `attachment; filename="${safeName}"` }),
      { expiresIn: DOWNLOAD_URL_TTL_SECONDS },
    );
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const r = await this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!r.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return Buffer.from(await r.Body.transformToByteArray());
  }
}
