/** AttachmentStore on S3: email attachments' bytes (s3-objects.ts), short-lived download URLs, SES S3-action mail. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { AttachmentStore } from '../core/ports.ts';
import { clientOf, type ClientSource } from './lazy-client.ts';
import { S3ObjectStore } from './s3-objects.ts';

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

/** Presigned GET URLs (the api's part; the S3 client and presigner load with the first URL). */
export class S3DownloadLinks implements Pick<AttachmentStore, 'downloadUrl'> {
  readonly #s3: ClientSource<S3Client>;
  readonly #bucket: string;
  constructor(s3: ClientSource<S3Client>, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async downloadUrl(key: string, filename: string | undefined): Promise<string> {
    const [s3, { GetObjectCommand }, { getSignedUrl }] = await Promise.all([clientOf(this.#s3), import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
    return getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: this.#bucket, Key: key, ResponseContentDisposition: contentDisposition(filename) }),
      { expiresIn: DOWNLOAD_URL_TTL_SECONDS },
    );
  }
}

/** Both parts, for the local stack and tests (each Lambda wires only its part). */
export class S3AttachmentStore implements AttachmentStore {
  readonly #objects: S3ObjectStore;
  readonly #links: S3DownloadLinks;
  constructor(s3: ClientSource<S3Client>, bucket: string) {
    this.#objects = new S3ObjectStore(s3, bucket);
    this.#links = new S3DownloadLinks(s3, bucket);
  }
  put(key: string, body: Uint8Array, contentType: string | undefined): Promise<void> {
    return this.#objects.put(key, body, contentType);
  }
  downloadUrl(key: string, filename: string | undefined): Promise<string> {
    return this.#links.downloadUrl(key, filename);
  }
  getObject(bucket: string, key: string): Promise<Buffer> {
    return this.#objects.getObject(bucket, key);
  }
}
