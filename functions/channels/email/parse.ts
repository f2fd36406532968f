/** Email parsing with well-kept libraries: postal-mime for MIME, busboy for multipart form posts, html-to-text. */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { convert as htmlToText } from 'html-to-text';
import PostalMime, { type Address } from 'postal-mime';
import { ClientError } from '../../core/errors.ts';

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

/** Parse a raw RFC 5322 message. */
export async function parseMime(raw: Uint8Array | string): Promise<ParsedEmail> {
  let email;
  try {
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

/** A safe plain-text rendering of an HTML body (no markup, links as text). */
export const renderHtmlAsText = (html: string): string =>
  htmlToText(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] }).trim();

export interface MultipartForm {
  readonly fields: ReadonlyArray<readonly [string, Buffer]>;
  readonly files: ReadonlyArray<{ readonly field: string; readonly filename?: string; readonly contentType?: string; readonly content: Buffer }>;
}

/** Parse multipart/form-data; field values are kept as bytes so each can be decoded in its own charset. */
export function parseMultipart(body: Buffer, contentType: string): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: { 'content-type': contentType }, defCharset: 'latin1', limits: { fields: 2000, files: 200, parts: 2500 } });
    } catch (e) {
      reject(new ClientError(400, 'invalid_multipart', `The multipart body cannot be read: ${(e as Error).message}`));
      return;
    }
    const fields: Array<[string, Buffer]> = [];
    const files: Array<{ field: string; filename?: string; contentType?: string; content: Buffer }> = [];
    bb.on('field', (name, value) => fields.push([name, Buffer.from(value, 'latin1')]));
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        files.push({ field, ...(info.filename ? { filename: info.filename } : {}), ...(info.mimeType ? { contentType: info.mimeType } : {}), content: Buffer.concat(chunks) }),
      );
    });
    bb.on('error', (e: Error) => reject(new ClientError(400, 'invalid_multipart', `The multipart body is malformed: ${e.message}`)));
    bb.on('close', () => resolve({ fields, files }));
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
