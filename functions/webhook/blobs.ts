/**
 * What does not belong in a table item goes to the bucket before the message is ingested, under keys
 * derived from the message (a retry overwrites, never duplicates): attachment bytes, and bodies over
 * the inline limit, so every verified message fits a DynamoDB item and a parked SQS message.
 */
import { createHash } from 'node:crypto';
import type { CoreDeps } from '../core/ports.ts';
import { dedupeKeyOf } from '../core/tickets.ts';
import type { InboundMessage } from '../core/types.ts';
import { ATTACHMENTS, INLINE_BODY_LIMIT_BYTES } from '../spec.ts';
import { encodeJob } from '../adapters/sqs-queue.ts';

const safeFileName = (name: string | undefined, i: number): string =>
  (name ?? `attachment-${i + 1}`).replace(/[^A-Za-z0-9._-]+/g, '_').slice(-100) || `attachment-${i + 1}`;

/** `type/subtype` in ASCII token characters, else application/octet-stream (S3 refuses other header values). */
export const safeContentType = (ct: string | undefined): string =>
  ct && /^[A-Za-z0-9!#$&^_.+-]{1,64}\/[A-Za-z0-9!#$&^_.+-]{1,128}$/.test(ct.split(';')[0]!.trim()) ? ct.split(';')[0]!.trim().toLowerCase() : 'application/octet-stream';

export const truncateUtf8 = (s: string, bytes: number): string => {
  const buf = Buffer.from(s, 'utf8');
  return buf.length <= bytes ? s : `${buf.subarray(0, bytes).toString('utf8').replace(/\uFFFD$/, '')}…`;
};

export async function storeBlobs(deps: CoreDeps, msg: InboundMessage, contents: readonly Uint8Array[]): Promise<InboundMessage> {
  const folder = `${ATTACHMENTS.prefix}${createHash('sha256').update(dedupeKeyOf(msg)).digest('hex').slice(0, 32)}`;
  const attachments = await Promise.all(
    msg.attachments.map(async (a, i) => {
      const body = contents[i];
      if (!body) return a;
      const key = `${folder}/${i + 1}-${safeFileName(a.name, i)}`;
      await deps.attachments.put(key, body, safeContentType(a.contentType));
      return { ...a, key, size: body.byteLength };
    }),
  );
  let out: InboundMessage = { ...msg, attachments };
  if (Buffer.byteLength(msg.text, 'utf8') > INLINE_BODY_LIMIT_BYTES) {
    const key = `${folder}/body.txt`;
    await deps.attachments.put(key, Buffer.from(msg.text, 'utf8'), 'text/plain; charset=utf-8');
    out = { ...out, text: truncateUtf8(msg.text, INLINE_BODY_LIMIT_BYTES), fullTextKey: key };
  }
  const html = msg.email?.html;
  if (msg.email && html !== undefined && Buffer.byteLength(html, 'utf8') > INLINE_BODY_LIMIT_BYTES / 2) {
    const key = `${folder}/body.html`;
    await deps.attachments.put(key, Buffer.from(html, 'utf8'), 'text/html; charset=utf-8');
    const { html: _html, ...email } = msg.email;
    out = { ...out, email: { ...email, htmlKey: key } };
  }
  return fitQueue(deps, out, folder);
}

/** What a parked message may take on the queue (SQS: 256 KiB), with room for the envelope. */
export const MAX_QUEUED_MESSAGE_BYTES = 200 * 1024;

const queuedSize = (msg: InboundMessage): number => Buffer.byteLength(encodeJob({ kind: 'ingest', message: msg }), 'utf8');

/**
 * Measured as it will be queued (escapes included, e.g. control characters take 6 bytes each): a
 * message that would not fit a parked SQS message keeps only a short text inline (the whole text
 * goes to the bucket) and no inline HTML, and then loses long attachment names; so every verified
 * message can always be parked, and always fits a DynamoDB item.
 */
async function fitQueue(deps: CoreDeps, msg: InboundMessage, folder: string): Promise<InboundMessage> {
  if (queuedSize(msg) <= MAX_QUEUED_MESSAGE_BYTES) return msg;
  let out = msg;
  if (!msg.fullTextKey) {
    const key = `${folder}/body.txt`;
    await deps.attachments.put(key, Buffer.from(msg.text, 'utf8'), 'text/plain; charset=utf-8');
    out = { ...out, fullTextKey: key };
  }
  out = { ...out, text: truncateUtf8(out.text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ''), 8 * 1024) };
  if (out.email?.html !== undefined) {
    const key = `${folder}/body.html`;
    await deps.attachments.put(key, Buffer.from(out.email.html, 'utf8'), 'text/html; charset=utf-8');
    const { html: _html, ...email } = out.email;
    out = { ...out, email: { ...email, htmlKey: key, preview: email.preview.slice(0, 500) } };
  }
  if (queuedSize(out) > MAX_QUEUED_MESSAGE_BYTES) {
    out = { ...out, attachments: out.attachments.map((a, i) => ({ ...a, name: safeFileName(a.name, i).slice(-40) })) };
  }
  return out;
}
