/**
 * POST /webhooks/sendgrid: Inbound Parse (multipart/form-data, parsed fields or raw MIME in `email`).
 * Authenticated by basic auth in the configured URL; when SENDGRID_PUBLIC_KEY is set, the signed
 * security policy (ECDSA P-256 over timestamp + raw body) is required too.
 */
import { verify } from 'node:crypto';
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest } from '../../http.ts';
import { requireBasicAuth } from '../email/auth.ts';
import { jsonField } from '../email/fields.ts';
import { emailEvent } from '../email/normalize.ts';
import { decodeCharset, parseAddressList, parseHeaderBlock, parseMime, parseMultipart, type ParsedEmail } from '../email/parse.ts';
import { parseSendGridDkim, verdictWord } from '../email/sender-auth.ts';
import { forbidden, mediaType, okJson } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelContext, type ChannelModule, type ReceiveResult } from '../types.ts';

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** ECDSA P-256/SHA-256 over `timestamp + payload`, public key as base64 DER (SPKI), signature base64 DER. */
export function verifySendGridSignature(publicKey: string, payload: Buffer | string, signature: string, timestamp: string): boolean {
  try {
    return verify(
      'sha256',
      Buffer.concat([Buffer.from(timestamp, 'utf8'), Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8')]),
      { key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

const SKEW_SECONDS = 300;

/*
 * The JSON fields SendGrid posts, in the shapes it sends. `charsets` and `attachment-info` are
 * informational (a decoding hint, names the part headers also carry): a bad one is ignored (UTF-8,
 * part headers) rather than losing the mail. `envelope` decides which inbox the mail belongs to,
 * so a bad one is a 400 rather than a guess from the To header.
 */
const CharsetsSchema = z.record(z.string(), z.string().max(64));
const AttachmentInfoSchema = z.record(
  z.string(),
  z.object({ filename: z.string().optional(), name: z.string().optional(), type: z.string().optional(), 'content-id': z.string().optional() }).loose(),
);
const EnvelopeSchema = z.object({ to: z.array(z.string()).default([]), from: z.string().optional() }).loose();

async function fromParsedFields(fields: Map<string, Buffer>, charsets: Record<string, string>): Promise<ParsedEmail> {
  const text = (name: string) => {
    const v = fields.get(name);
    return v === undefined ? undefined : decodeCharset(v, charsets[name]);
  };
  const headerBlock = text('headers') ?? '';
  const h = headerBlock ? await parseHeaderBlock(headerBlock) : undefined;
  const from = h?.from ?? (await parseAddressList(text('from')))[0];
  const to = h?.to.length ? h.to : await parseAddressList(text('to'));
  const cc = h?.cc.length ? h.cc : await parseAddressList(text('cc'));
  const plain = text('text');
  const html = text('html');
  return {
    from,
    to,
    cc,
    subject: text('subject') ?? h?.subject ?? '',
    ...(h?.messageId ? { messageId: h.messageId } : {}),
    ...(h?.inReplyTo ? { inReplyTo: h.inReplyTo } : {}),
    ...(h?.references ? { references: h.references } : {}),
    ...(h?.date ? { date: h.date } : {}),
    text: plain,
    html,
    headers: h?.headers ?? new Map(),
    attachments: [],
  };
}

export const sendgrid = {
  provider: 'sendgrid',
  async receive(req: HttpRequest, ctx: ChannelContext): Promise<ReceiveResult> {
    const auth = ctx.config.secrets.SENDGRID_BASIC_AUTH;
    if (!auth) throw new ProviderNotConfigured('sendgrid', 'SENDGRID_BASIC_AUTH is not set');
    requireBasicAuth(req.headers['authorization'], auth, 'SendGrid');
    const publicKey = ctx.config.secrets.SENDGRID_PUBLIC_KEY;
    if (publicKey) {
      const sig = req.headers[SIGNATURE_HEADER];
      const ts = req.headers[TIMESTAMP_HEADER];
      if (!sig || !ts) throw forbidden('missing_signature', 'The SendGrid signed-webhook headers are missing.');
      if (!/^\d+$/.test(ts) || Math.abs(ctx.now.getTime() / 1000 - Number(ts)) > SKEW_SECONDS) throw forbidden('stale_signature', 'The SendGrid signature timestamp is not recent.');
      if (!verifySendGridSignature(publicKey, req.body, sig, ts)) throw forbidden('bad_signature', 'The SendGrid signature does not verify with SENDGRID_PUBLIC_KEY.');
    }
    if (mediaType(req) !== 'multipart/form-data') {
      throw new ClientError(415, 'unsupported_media_type', 'SendGrid Inbound Parse posts multipart/form-data.');
    }
    const form = await parseMultipart(req.body, req.headers['content-type']!);
    const fields = new Map(form.fields.map(([k, v]) => [k, v] as const));
    const utf8 = (name: string) => fields.get(name)?.toString('utf8');
    const charsets = jsonField(utf8('charsets'), CharsetsSchema, 'charsets', false) ?? {};
    const envelopeTo = jsonField(utf8('envelope'), EnvelopeSchema, 'envelope', true)?.to[0];
    const info = jsonField(utf8('attachment-info'), AttachmentInfoSchema, 'attachment-info', false) ?? {};
    const raw = fields.get('email');
    const parsed = raw ? await parseMime(raw) : await fromParsedFields(fields, charsets);
    const files = raw
      ? []
      : [...form.files]
          .filter((f) => /^attachment\d+$/.test(f.field))
          .sort((a, b) => Number(a.field.slice(10)) - Number(b.field.slice(10)))
          .map((f) => {
          const meta = Object.hasOwn(info, f.field) ? info[f.field]! : {};
          const filename = meta.filename ?? f.filename;
          const contentType = meta.type ?? f.contentType;
          return { filename, contentType, ...(meta['content-id'] ? { contentId: meta['content-id'] } : {}), content: f.content };
        });
    const email: ParsedEmail = { ...parsed, attachments: [...parsed.attachments, ...files] };
    return {
      kind: 'events',
      events: [
        emailEvent(email, {
          provider: 'sendgrid',
          receivedAt: ctx.now.toISOString(),
          recipient: envelopeTo,
          senderAuth: { spf: verdictWord(utf8('SPF')), dkim: parseSendGridDkim(utf8('dkim')) },
        }),
      ],
      ok: okJson(),
    };
  },
} satisfies ChannelModule;
