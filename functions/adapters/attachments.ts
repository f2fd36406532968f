/** AttachmentStore on S3: email attachments' bytes, short-lived download URLs, SES S3-action mail. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AttachmentStore } from '../core/ports.ts';

export const DOWNLOAD_URL_TTL_SECONDS = 300;

/**
 * `attachment; filename="<ASCII>"; filename*=UTF-8''<name>` (RFC 6266). Tolerates any stored name,
 * lone surrogates included (repaired to U+FFFD), so a read never fails on stored data.
 */
export function contentDisposition(filename: string | undefined): string {
  const name = (filename ?? 'attachment').slice(0, 200).toWellFormed().replace(/[\u0000-\u001f\u007f]/g, '') || 'attachment';
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

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
    return getSignedUrl(
      this.#s3,
      new GetObjectCommand({ Bucket: this.#bucket, Key: key, ResponseContentDisposition: contentDisposition(filename) }),
      { expiresIn: DOWNLOAD_URL_TTL_SECONDS },
    );
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const r = await this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!r.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return Buffer.from(await r.Body.transformToByteArray());
  }
}
