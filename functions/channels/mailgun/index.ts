/**
 * POST /webhooks/mailgun: a Routes forward, urlencoded or multipart. `signature` = hex
 * HMAC-SHA256(signing key, timestamp + token); stale timestamps and reused tokens are refused.
 */
import { createHash } from 'node:crypto';
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest } from '../../http.ts';
import { emailEvent } from '../email/normalize.ts';
import { parseAddressList, parseMime, parseMultipart, type EmailFile, type ParsedEmail } from '../email/parse.ts';
import { hmac, safeEqual } from '../shared/crypto.ts';
import { forbidden, mediaType, okJson } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelContext, type ChannelModule, type ReceiveResult } from '../types.ts';

export const mailgunSignature = (key: string, timestamp: string, token: string): string => hmac('sha256', key, timestamp + token).toString('hex');

export type MailgunVerdict = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale_signature' };

export function verifyMailgun(key: string, f: { timestamp?: string | undefined; token?: string | undefined; signature?: string | undefined }, now: Date, maxAgeSeconds: number): MailgunVerdict {
  if (!f.timestamp || !f.token || !f.signature) return { ok: false, reason: 'missing_signature' };
  if (!safeEqual(mailgunSignature(key, f.timestamp, f.token), f.signature.toLowerCase())) return { ok: false, reason: 'bad_signature' };
  const ts = Number(f.timestamp);
  if (!Number.isFinite(ts) || Math.abs(now.getTime() / 1000 - ts) > maxAgeSeconds) return { ok: false, reason: 'stale_signature' };
  return { ok: true };
}

async function readForm(req: HttpRequest): Promise<{ fields: Map<string, string>; files: EmailFile[] }> {
  const type = mediaType(req);
  if (type === 'application/x-www-form-urlencoded') {
    const fields = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) if (!fields.has(k)) fields.set(k, v);
    return { fields, files: [] };
  }
  if (type === 'multipart/form-data') {
    const form = await parseMultipart(req.body, req.headers['content-type']!);
    const fields = new Map<string, string>();
    for (const [k, v] of form.fields) if (!fields.has(k)) fields.set(k, v.toString('utf8'));
    const files = form.files
      .filter((f) => /^attachment-\d+$/.test(f.field))
      .map((f) => ({ filename: f.filename, contentType: f.contentType, content: f.content }));
    return { fields, files };
  }
  throw new ClientError(415, 'unsupported_media_type', 'Mailgun posts application/x-www-form-urlencoded or multipart/form-data.');
}

async function fromFields(fields: Map<string, string>, files: EmailFile[]): Promise<ParsedEmail> {
  const headers = new Map<string, string>();
  try {
    for (const [k, v] of JSON.parse(fields.get('message-headers') ?? '[]') as Array<[string, string]>) {
      if (!headers.has(k.toLowerCase())) headers.set(k.toLowerCase(), v);
    }
  } catch {
    // the per-header fields below still carry what threading needs
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
    const { fields, files } = await readForm(req);
    const token = fields.get('token');
    const verdict = verifyMailgun(key, { timestamp: fields.get('timestamp'), token, signature: fields.get('signature') }, ctx.now, ctx.config.mailgunMaxAgeSeconds);
    if (!verdict.ok) throw forbidden(verdict.reason, `The Mailgun signature is not valid (${verdict.reason.replaceAll('_', ' ')}).`);
    // A token signs one delivery: Mailgun's own retry of it is fine, reusing it for anything else is a replay.
    const binding = createHash('sha256').update(fields.get('Message-Id') ?? req.body).digest('hex');
    if (!(await ctx.io.claimNonce('mailgun', token!, ctx.config.mailgunMaxAgeSeconds * 2, binding))) {
      throw forbidden('replayed_token', 'This Mailgun token was already used for another message.');
    }
    const raw = fields.get('body-mime');
    const parsed = raw ? await parseMime(raw) : await fromFields(fields, files);
    return {
      kind: 'events',
      events: [emailEvent(parsed, { provider: 'mailgun', receivedAt: ctx.now.toISOString(), recipient: fields.get('recipient')?.split(',')[0] })],
      ok: okJson(),
    };
  },
} satisfies ChannelModule;
