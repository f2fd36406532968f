/** Email parsing with well-kept libraries: postal-mime for MIME, busboy for multipart form posts, html-to-text. */
import { Readable } from 'node:stream';
import type busboy from 'busboy';
import type { Address } from 'postal-mime';
import { ClientError } from '../../core/errors.ts';
import { EMAIL_LIMITS, MAX_WEBHOOK_BYTES } from '../../spec.ts';

export { renderHtmlAsText } from './html.ts';

export interface EmailAddress {
  readonly address: string;
  readonly name?: string;
}

export interface EmailFile {
  readonly filename?: string;
  readonly contentType?: string;
  readonly contentId?: string;
  readonly content: Uint8Array;
}

/** A parsed email, whichever provider delivered it. */
export interface ParsedEmail {
  readonly from?: EmailAddress;
  readonly to: readonly EmailAddress[];
  readonly cc: readonly EmailAddress[];
  readonly subject: string;
  readonly messageId?: string;
  readonly inReplyTo?: string;
  readonly references?: string;
  readonly date?: string;
  readonly text?: string;
  readonly html?: string;
  /** Lower-cased header names -> first value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly attachments: readonly EmailFile[];
}

const flatten = (list: readonly Address[] | undefined): EmailAddress[] =>
  (list ?? []).flatMap((a) => (a.address !== undefined ? [a] : a.group)).flatMap((m) =>
    m.address ? [{ address: m.address, ...(m.name ? { name: m.name } : {}) }] : [],
  );

const LIMITS = { maxNestingDepth: 50, maxHeadersSize: 512 * 1024 };

// Loaded on first use: only the email routes parse MIME or multipart, so the other providers' cold
// starts do not evaluate them (bench/bundles.ts measures the difference).
let postalMime: Promise<typeof import('postal-mime').default> | undefined;
const loadPostalMime = () => (postalMime ??= import('postal-mime').then((m) => m.default));
let busboyFactory: Promise<typeof busboy> | undefined;
const loadBusboy = () => (busboyFactory ??= import('busboy').then((m) => m.default));

/** Parse a raw RFC 5322 message. */
export async function parseMime(raw: Uint8Array | string): Promise<ParsedEmail> {
  let email;
  try {
    const PostalMime = await loadPostalMime();
    email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer', ...LIMITS });
  } catch (e) {
    throw new ClientError(400, 'invalid_mime', `The message is not valid MIME: ${(e as Error).message}`.slice(0, 300));
  }
  const headers = new Map<string, string>();
  for (const h of email.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const from = email.from ? flatten([email.from])[0] : undefined;
  return {
    ...(from ? { from } : {}),
    to: flatten(email.to),
    cc: flatten(email.cc),
    subject: email.subject ?? '',
    ...(email.messageId ? { messageId: email.messageId } : {}),
    ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
    ...(email.references ? { references: email.references } : {}),
    ...(email.date ? { date: email.date } : {}),
    ...(email.text !== undefined ? { text: email.text } : {}),
    ...(email.html !== undefined ? { html: email.html } : {}),
    headers,
    attachments: email.attachments.map((a) => ({
      ...(a.filename ? { filename: a.filename } : {}),
      contentType: a.mimeType,
      ...(a.contentId ? { contentId: a.contentId.replace(/^<|>$/g, '') } : {}),
      content: typeof a.content === 'string' ? new TextEncoder().encode(a.content) : new Uint8Array(a.content as ArrayBuffer),
    })),
  };
}

/** Parse a bare header block (SendGrid's `headers` field). */
export const parseHeaderBlock = (block: string): Promise<ParsedEmail> => parseMime(`${block.replace(/\r?\n$/, '')}\r\n\r\n`);

export interface MultipartForm {
  readonly fields: ReadonlyArray<readonly [string, Buffer]>;
  readonly files: ReadonlyArray<{ readonly field: string; readonly filename?: string; readonly contentType?: string; readonly content: Buffer }>;
}

const tooLarge = (what: string) => new ClientError(413, 'payload_too_large', `The multipart body exceeds a limit: ${what}. Nothing was stored.`);

/**
 * Parse multipart/form-data; field values are kept as bytes so each can be decoded in its own
 * charset. Every busboy limit is explicit, and hitting any of them is a 413 naming it: busboy
 * would otherwise cut a field or file short (its default field limit is 1 MiB) and carry on.
 */
export async function parseMultipart(body: Buffer, contentType: string): Promise<MultipartForm> {
  const busboy = await loadBusboy();
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { 'content-type': contentType },
        defCharset: 'latin1',
        limits: {
          fieldSize: MAX_WEBHOOK_BYTES,
          fileSize: MAX_WEBHOOK_BYTES,
          fields: EMAIL_LIMITS.maxFormFields,
          files: EMAIL_LIMITS.maxFormFiles,
          // busboy reports 'partsLimit' when the limit-th part ends, even if it is the last one.
          parts: EMAIL_LIMITS.maxFormParts + 1,
        },
      });
    } catch (e) {
      reject(new ClientError(400, 'invalid_multipart', `The multipart body cannot be read: ${(e as Error).message}`));
      return;
    }
    let failed: ClientError | undefined;
    const fail = (e: ClientError) => {
      failed ??= e;
      reject(failed);
    };
    const fields: Array<[string, Buffer]> = [];
    const files: Array<{ field: string; filename?: string; contentType?: string; content: Buffer }> = [];
    bb.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) fail(tooLarge(`field "${name.slice(0, 50)}" is larger than ${MAX_WEBHOOK_BYTES} bytes`));
      else fields.push([name, Buffer.from(value, 'latin1')]);
    });
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(tooLarge(`file "${field.slice(0, 50)}" is larger than ${MAX_WEBHOOK_BYTES} bytes`)));
      stream.on('end', () =>
        files.push({ field, ...(info.filename ? { filename: info.filename } : {}), ...(info.mimeType ? { contentType: info.mimeType } : {}), content: Buffer.concat(chunks) }),
      );
    });
    bb.on('fieldsLimit', () => fail(tooLarge(`more than ${EMAIL_LIMITS.maxFormFields} fields`)));
    bb.on('filesLimit', () => fail(tooLarge(`more than ${EMAIL_LIMITS.maxFormFiles} files`)));
    bb.on('partsLimit', () => fail(tooLarge(`more than ${EMAIL_LIMITS.maxFormParts} parts`)));
    bb.on('error', (e: Error) => fail(new ClientError(400, 'invalid_multipart', `The multipart body is malformed: ${e.message}`)));
    bb.on('close', () => (failed ? reject(failed) : resolve({ fields, files })));
    Readable.from([body]).pipe(bb);
  });
}

/** Decode bytes in a declared charset (falls back to UTF-8 for unknown labels). */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Parse "Name <a@b>" / "a@b" / lists into addresses. */
export async function parseAddressList(value: string | undefined): Promise<EmailAddress[]> {
  if (!value?.trim()) return [];
  const parsed = await parseHeaderBlock(`To: ${value.replace(/\r?\n/g, ' ')}`);
  return [...parsed.to];
}
