/** POST /webhooks/postmark: inbound JSON, authenticated by basic auth in the configured URL. */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest } from '../../http.ts';
import { requireBasicAuth } from '../email/auth.ts';
import { emailEvent } from '../email/normalize.ts';
import { parseMime, type EmailAddress, type ParsedEmail } from '../email/parse.ts';
import { verdictWord } from '../email/sender-auth.ts';
import { okJson, parseJsonBody, requireMediaType, zodDetails } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelContext, type ChannelModule, type ReceiveResult } from '../types.ts';

const Full = z.object({ Email: z.string(), Name: z.string().optional() }).loose();

export const PostmarkInboundSchema = z
  .object({
    MessageID: z.string().min(1).max(256),
    FromFull: Full.optional(),
    From: z.string().optional(),
    FromName: z.string().optional(),
    ToFull: z.array(Full).default([]),
    CcFull: z.array(Full).default([]),
    OriginalRecipient: z.string().optional(),
    Subject: z.string().default(''),
    Date: z.string().optional(),
    TextBody: z.string().optional(),
    HtmlBody: z.string().optional(),
    Headers: z.array(z.object({ Name: z.string(), Value: z.string() }).loose()).default([]),
    Attachments: z
      .array(z.object({ Name: z.string().optional(), Content: z.string(), ContentType: z.string().optional(), ContentID: z.string().optional() }).loose())
      .default([]),
    RawEmail: z.string().optional(),
  })
  .loose();

const addr = (f: z.infer<typeof Full>): EmailAddress => ({ address: f.Email, ...(f.Name ? { name: f.Name } : {}) });

export async function postmarkToEmail(body: unknown): Promise<{ parsed: ParsedEmail; providerMessageId: string; recipient?: string | undefined }> {
  const p = PostmarkInboundSchema.safeParse(body);
  if (!p.success) throw new ClientError(400, 'invalid_payload', 'The body is not a Postmark inbound message.', zodDetails(p.error.issues));
  const m = p.data;
  const recipient = m.OriginalRecipient ?? m.ToFull[0]?.Email;
  if (m.RawEmail) return { parsed: await parseMime(m.RawEmail), providerMessageId: m.MessageID, recipient };
  const headers = new Map<string, string>();
  for (const h of m.Headers) if (!headers.has(h.Name.toLowerCase())) headers.set(h.Name.toLowerCase(), h.Value);
  const from = m.FromFull ? addr(m.FromFull) : m.From ? { address: m.From, ...(m.FromName ? { name: m.FromName } : {}) } : undefined;
  const messageId = headers.get('message-id');
  const inReplyTo = headers.get('in-reply-to');
  const references = headers.get('references');
  return {
    providerMessageId: m.MessageID,
    recipient,
    parsed: {
      from,
      to: m.ToFull.map(addr),
      cc: m.CcFull.map(addr),
      subject: m.Subject,
      messageId,
      inReplyTo,
      references,
      date: m.Date,
      text: m.TextBody,
      html: m.HtmlBody,
      headers,
      attachments: m.Attachments.map((a) => ({
        filename: a.Name,
        contentType: a.ContentType,
        contentId: a.ContentID,
        content: Buffer.from(a.Content, 'base64'),
      })),
    },
  };
}

export const postmark = {
  provider: 'postmark',
  async receive(req: HttpRequest, ctx: ChannelContext): Promise<ReceiveResult> {
    const auth = ctx.config.secrets.POSTMARK_BASIC_AUTH;
    if (!auth) throw new ProviderNotConfigured('postmark', 'POSTMARK_BASIC_AUTH is not set');
    requireBasicAuth(req.headers['authorization'], auth, 'Postmark');
    requireMediaType(req, ['application/json'], 'Postmark');
    const { parsed, providerMessageId, recipient } = await postmarkToEmail(parseJsonBody(req));
    // Postmark records its SPF check as a Received-SPF header ("Pass (sender SPF authorized) ...").
    const senderAuth = { spf: verdictWord(parsed.headers.get('received-spf')?.split(/\s/, 1)[0]) };
    return {
      kind: 'events',
      events: [emailEvent(parsed, { provider: 'postmark', receivedAt: ctx.now.toISOString(), providerMessageId, recipient, senderAuth })],
      ok: okJson(),
    };
  },
} satisfies ChannelModule;
