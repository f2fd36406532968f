/** A parsed email -> channel-neutral InboundMessage (plus attachment bytes). Pure. */
import { createHash } from 'node:crypto';
import { automatedReason, bareMessageId, messageIdList, normalizeEmail, replyPreview } from '../../core/email.ts';
import { ClientError } from '../../core/errors.ts';
import type { Attachment, ChannelEvent } from '../../core/types.ts';
import { renderHtmlAsText, type ParsedEmail } from './parse.ts';

export interface EmailContext {
  readonly provider: string;
  readonly receivedAt: string;
  /** Our address the mail was delivered to (SMTP envelope recipient), when the provider says. */
  readonly recipient?: string | undefined;
  /** The provider's own id when it has one (Postmark MessageID, SES mail.messageId). */
  readonly providerMessageId?: string | undefined;
}

export function emailEvent(parsed: ParsedEmail, ctx: EmailContext): ChannelEvent {
  const sender = parsed.from?.address ? normalizeEmail(parsed.from.address) : undefined;
  if (!sender || !sender.includes('@')) throw new ClientError(400, 'invalid_payload', 'The email has no From address.');
  const inbox = normalizeEmail(ctx.recipient ?? parsed.to[0]?.address ?? '');
  if (!inbox.includes('@')) throw new ClientError(400, 'invalid_payload', 'The email has no recipient.');

  const messageId = parsed.messageId ? bareMessageId(parsed.messageId) : undefined;
  const inReplyTo = messageIdList(parsed.inReplyTo)[0] ?? (parsed.inReplyTo ? bareMessageId(parsed.inReplyTo) : undefined);
  const references = messageIdList(parsed.references).slice(-50);
  const text = (parsed.text ?? (parsed.html ? renderHtmlAsText(parsed.html) : '')).replace(/\r\n/g, '\n');
  const cc = [...parsed.to, ...parsed.cc].map((a) => normalizeEmail(a.address)).filter((a) => a !== inbox && a !== sender);
  const autoSubmitted = automatedReason(parsed.headers, sender);
  const providerMessageId =
    ctx.providerMessageId ?? messageId ?? createHash('sha256').update([...parsed.headers].map(([k, v]) => `${k}:${v}`).join('\n')).digest('hex');
  const sentAt = parsed.date && !Number.isNaN(Date.parse(parsed.date)) ? new Date(parsed.date).toISOString() : undefined;

  const attachments: Attachment[] = parsed.attachments.map((a) => ({
    ...(a.filename ? { name: a.filename } : {}),
    ...(a.contentType ? { contentType: a.contentType } : {}),
    ...(a.contentId ? { contentId: a.contentId } : {}),
    size: a.content.byteLength,
  }));

  return {
    kind: 'message',
    message: {
      provider: ctx.provider,
      channel: 'email',
      providerMessageId,
      threadKey: `msgid:${messageId ?? providerMessageId}`,
      from: sender,
      to: inbox,
      identity: { kind: 'email', value: sender },
      ...(parsed.from?.name ? { displayName: parsed.from.name } : {}),
      text,
      attachments,
      receivedAt: ctx.receivedAt,
      ...(sentAt ? { sentAt } : {}),
      ...(inReplyTo ? { inReplyTo } : {}),
      email: {
        subject: parsed.subject,
        ...(messageId ? { messageId } : {}),
        ...(inReplyTo ? { inReplyTo } : {}),
        references,
        cc: [...new Set(cc)],
        ...(parsed.html ? { html: parsed.html } : {}),
        preview: replyPreview(text).slice(0, 2000),
        ...(autoSubmitted ? { autoSubmitted } : {}),
      },
    },
    contents: parsed.attachments.map((a) => a.content),
  };
}
