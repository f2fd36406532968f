/**
 * POST /webhooks/mailgun: a Routes forward, urlencoded or multipart. `signature` = hex
 * HMAC-SHA256(signing key, timestamp + token); stale timestamps and reused tokens are refused.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { EMAIL_LIMITS } from '../../spec.ts';
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest } from '../../http.ts';
import { jsonField } from '../email/fields.ts';
import { emailEvent } from '../email/normalize.ts';
import { parseAddressList, parseMime, parseMultipart, type EmailFile, type ParsedEmail } from '../email/parse.ts';
import { verdictWord } from '../email/sender-auth.ts';
import { hmac, safeEqual } from '../shared/crypto.ts';
import { forbidden, mediaType, okJson } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelContext, type ChannelModule, type ReceiveResult } from '../types.ts';

export const mailgunSignature = (key: string, timestamp: string, token: string): string => hmac('sha256', key, timestamp + token).toString('hex');

export type MailgunVerdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale_signature' };

export function verifyMailgun(key: string, f: { timestamp?: string | undefined; token?: string | undefined; signature?: string | undefined }, now: Date, maxAgeSeconds: number): MailgunVerdict {
  if (!f.timestamp || !f.token || !f.signature) return { ok: false, reason: 'missing_signature' };
  // HMAC(timestamp + token) cannot tell where one ends: strict shapes (Unix seconds in digits, an
  // opaque token) make every re-split of a captured pair either malformed or stale.
  if (!/^\d{9,12}$/.test(f.timestamp) || !/^[A-Za-z0-9_-]{20,256}$/.test(f.token)) return { ok: false, reason: 'bad_signature' };
  if (!safeEqual(mailgunSignature(key, f.timestamp, f.token), f.signature.toLowerCase())) return { ok: false, reason: 'bad_signature' };
  const ts = Number(f.timestamp);
  if (!Number.isFinite(ts) || Math.abs(now.getTime() / 1000 - ts) > maxAgeSeconds) return { ok: false, reason: 'stale_signature' };
  return { ok: true };
}

interface MailgunForm {
  /** First value of each field. */
  readonly fields: Map<string, string>;
  readonly files: EmailFile[];
  /** What the signature's token is bound to: every decoded field and file, whatever the encoding. */
  readonly digest: string;
}

/**
 * A hash of the whole decoded form: field names and values sorted, then files (field, name, type,
 * content hash) sorted. Mailgun's retry re-sends the same fields (perhaps with another multipart
 * boundary), so it hashes the same; a captured token with any other content does not.
 */
function formDigest(pairs: ReadonlyArray<readonly [string, string]>, files: ReadonlyArray<{ field: string; filename?: string | undefined; contentType?: string | undefined; content: Uint8Array }>): string {
  const item = (parts: readonly string[]) => parts.map((p) => `${p.length}:${p}`).join('');
  const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
  const lines = [
    ...pairs.map(([k, v]) => `f${item([k, v])}`).sort(),
    ...files.map((f) => `a${item([f.field, f.filename ?? '', f.contentType ?? '', sha(f.content)])}`).sort(),
  ];
  return sha(lines.join('\n'));
}

async function readForm(req: HttpRequest): Promise<MailgunForm> {
  const type = mediaType(req);
  let pairs: Array<readonly [string, string]>;
  let files: Array<{ field: string; filename?: string | undefined; contentType?: string | undefined; content: Buffer }> = [];
  if (type === 'application/x-www-form-urlencoded') {
    pairs = [...new URLSearchParams(req.body.toString('utf8'))];
    if (pairs.length > EMAIL_LIMITS.maxFormFields) {
      throw new ClientError(413, 'payload_too_large', `The form has ${pairs.length} fields; the limit is ${EMAIL_LIMITS.maxFormFields}. Nothing was stored.`);
    }
  } else if (type === 'multipart/form-data') {
    const form = await parseMultipart(req.body, req.headers['content-type']!);
    pairs = form.fields.map(([k, v]) => [k, v.toString('utf8')] as const);
    files = [...form.files];
  } else {
    throw new ClientError(415, 'unsupported_media_type', 'Mailgun posts application/x-www-form-urlencoded or multipart/form-data.');
  }
  const fields = new Map<string, string>();
  for (const [k, v] of pairs) if (!fields.has(k)) fields.set(k, v);
  const attachments = files
    .filter((f) => /^attachment-\d+$/.test(f.field))
    .map((f) => ({ filename: f.filename, contentType: f.contentType, content: f.content }));
  return { fields, files: attachments, digest: formDigest(pairs, files) };
}

/**
 * `message-headers` as Mailgun sends it: a list of [name, value]. The headers drive loop detection
 * (Auto-Submitted, List-Id, ...), so a malformed list is a 400, not silently ignored.
 */
const MessageHeadersSchema = z.array(z.tuple([z.string(), z.string()]));

async function fromFields(fields: Map<string, string>, files: EmailFile[]): Promise<ParsedEmail> {
  const headers = new Map<string, string>();
  for (const [k, v] of jsonField(fields.get('message-headers'), MessageHeadersSchema, 'message-headers', true) ?? []) {
    if (!headers.has(k.toLowerCase())) headers.set(k.toLowerCase(), v);
  }
  const get = (name: string) => fields.get(name) ?? headers.get(name.toLowerCase());
  const from = (await parseAddressList(get('from') ?? get('From') ?? fields.get('sender')))[0];
  const text = fields.get('body-plain');
  const html = fields.get('body-html');
  const messageId = get('Message-Id');
  const inReplyTo = get('In-Reply-To');
  const references = get('References');
  const date = get('Date');
  return {
    from,
    to: await parseAddressList(get('To') ?? fields.get('recipient')),
    cc: await parseAddressList(get('Cc')),
    subject: fields.get('subject') ?? get('Subject') ?? '',
    messageId,
    inReplyTo,
    references,
    date,
    text,
    html,
    headers,
    attachments: files,
  };
}

export const mailgun = {
  provider: 'mailgun',
  async receive(req: HttpRequest, ctx: ChannelContext): Promise<ReceiveResult> {
    const key = ctx.config.secrets.MAILGUN_SIGNING_KEY;
    if (!key) throw new ProviderNotConfigured('mailgun', 'MAILGUN_SIGNING_KEY is not set');
    const { fields, files, digest } = await readForm(req);
    const token = fields.get('token');
    const verdict = verifyMailgun(key, { timestamp: fields.get('timestamp'), token, signature: fields.get('signature') }, ctx.now, ctx.config.mailgunMaxAgeSeconds);
    if (!verdict.ok) throw forbidden(verdict.reason, `The Mailgun signature is not valid (${verdict.reason.replaceAll('_', ' ')}).`);
    // A token signs one delivery: Mailgun's own retry of it (same fields, same files) is fine;
    // reusing it with anything else, even the same Message-Id, is a replay.
    if (!(await ctx.io.claimNonce('mailgun', token!, ctx.config.mailgunMaxAgeSeconds * 2, digest))) {
      throw forbidden('replayed_token', 'This Mailgun token was already used for another message.');
    }
    const raw = fields.get('body-mime');
    const parsed = raw ? await parseMime(raw) : await fromFields(fields, files);
    // Mailgun's own checks, as fields (parsed mode) or headers it added (either mode).
    const mailgunHeader = (name: string) => fields.get(name) ?? parsed.headers.get(name.toLowerCase());
    const senderAuth = { spf: verdictWord(mailgunHeader('X-Mailgun-Spf')), dkim: verdictWord(mailgunHeader('X-Mailgun-Dkim-Check-Result')) };
    return {
      kind: 'events',
      events: [emailEvent(parsed, { provider: 'mailgun', receivedAt: ctx.now.toISOString(), recipient: fields.get('recipient')?.split(',')[0], senderAuth })],
      ok: okJson(),
    };
  },
} satisfies ChannelModule;
