/**
 * A parsed email -> channel-neutral InboundMessage (plus attachment bytes). Pure.
 *
 * Verified means stored: the message produced here always fits one DynamoDB item and its keys.
 * Long subjects, many Cc or References, long Message-IDs, names and header values are cut or hashed
 * deterministically (recorded in `email.truncated`); what cannot be made to fit honestly (a From
 * address over the limit, too many attachments) is refused with a 4xx before anything is stored.
 * Bodies over the inline limit are moved to the bucket by the webhook service.
 */
import { automatedReason, bareMessageId, messageIdList, normalizeEmail } from '../../core/email.ts';
import { replyPreview } from '../../core/email-preview.ts';
import { ClientError } from '../../core/errors.ts';
import type { Attachment, ChannelEvent } from '../../core/types.ts';
import { EMAIL_LIMITS } from '../../spec.ts';
import { boundedMessageId, cut, MAX_CONTENT_ID_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_HEADER_TEXT_CHARS, MAX_NAME_CHARS, safeContentType, safeName, sha256Hex, wellFormed } from './bounds.ts';
import { renderHtmlAsText } from './html.ts';
import type { ParsedEmail } from './parse.ts';
import { mergeAuth, parseAuthenticationResults, senderAuthFailed, type SenderAuth } from './sender-auth.ts';

export interface EmailContext {
  readonly provider: string;
  readonly receivedAt: string;
  /** Our address the mail was delivered to (SMTP envelope recipient), when the provider says. */
  readonly recipient?: string | undefined;
  /** The provider's own id when it has one (Postmark MessageID, SES mail.messageId). */
  readonly providerMessageId?: string | undefined;
  /** Verdicts the provider itself reported (they win over an Authentication-Results header). */
  readonly senderAuth?: SenderAuth | undefined;
}

/** Characters of the preview kept on the message. */
const MAX_PREVIEW_CHARS = 2000;

function address(value: string | undefined, what: string): string {
  const a = normalizeEmail(wellFormed(value ?? ''));
  if (!a.includes('@')) throw new ClientError(400, 'invalid_payload', `The email has no ${what} address.`);
  if (a.length > EMAIL_LIMITS.maxAddressChars) {
    throw new ClientError(400, 'invalid_payload', `The ${what} address is ${a.length} characters; the limit is ${EMAIL_LIMITS.maxAddressChars} (EMAIL_LIMITS.maxAddressChars).`);
  }
  return a;
}

/**
 * The dedupe id of a mail with neither a provider id nor a Message-ID: a hash of what was verified
 * (never a constant, never the receipt time), so different mails never collide and a redelivery
 * of the same mail (any provider) still deduplicates.
 */
function contentId(parsed: ParsedEmail): string {
  const parts = [
    parsed.from?.address ?? '',
    parsed.to.map((a) => a.address).join(','),
    parsed.cc.map((a) => a.address).join(','),
    parsed.subject,
    parsed.date ?? '',
    parsed.text ?? '',
    parsed.html ?? '',
    ...parsed.attachments.map((a) => sha256Hex(a.content)),
  ];
  return `sha256:${sha256Hex(parts.map((p) => `${p.length}:${p}`).join('\n'))}`;
}

export function emailEvent(parsed: ParsedEmail, ctx: EmailContext): ChannelEvent {
  const sender = address(parsed.from?.address, 'From');
  const inbox = address(ctx.recipient ?? parsed.to[0]?.address, 'recipient');
  if (parsed.attachments.length > EMAIL_LIMITS.maxAttachments) {
    throw new ClientError(413, 'payload_too_large', `The email carries ${parsed.attachments.length} attachments; the limit is ${EMAIL_LIMITS.maxAttachments} (EMAIL_LIMITS.maxAttachments). Nothing was stored.`);
  }
  const truncated = new Set<string>();
  const idOf = (raw: string | undefined, field: string): string | undefined => {
    if (!raw) return undefined;
    const b = boundedMessageId(raw);
    if (b.hashed) truncated.add(field);
    return b.id;
  };

  const messageId = idOf(parsed.messageId ? bareMessageId(parsed.messageId) : undefined, 'messageId');
  const inReplyTo = idOf(messageIdList(parsed.inReplyTo)[0] ?? (parsed.inReplyTo ? bareMessageId(parsed.inReplyTo) : undefined), 'inReplyTo');
  const allReferences = messageIdList(parsed.references);
  if (allReferences.length > EMAIL_LIMITS.maxReferences) truncated.add('references');
  const references = allReferences.slice(-EMAIL_LIMITS.maxReferences).map((r) => idOf(r, 'references')!);

  const subject = cut(parsed.subject, EMAIL_LIMITS.maxSubjectChars);
  if (subject.length < parsed.subject.length) truncated.add('subject');
  const text = wellFormed((parsed.text ?? (parsed.html ? renderHtmlAsText(parsed.html) : '')).replace(/\r\n/g, '\n'));

  const allCc = [...new Set([...parsed.to, ...parsed.cc].map((a) => normalizeEmail(wellFormed(a.address))))].filter(
    (a) => a !== inbox && a !== sender && a.includes('@') && a.length <= EMAIL_LIMITS.maxAddressChars,
  );
  if (allCc.length > EMAIL_LIMITS.maxCc) truncated.add('cc');
  const cc = allCc.slice(0, EMAIL_LIMITS.maxCc);

  const displayName = parsed.from?.name ? safeName(parsed.from.name, MAX_DISPLAY_NAME_CHARS) : undefined;
  if ((parsed.from?.name?.length ?? 0) > MAX_DISPLAY_NAME_CHARS) truncated.add('displayName');
  const auto = automatedReason(parsed.headers, sender);
  const autoSubmitted = auto === undefined ? undefined : cut(auto, MAX_HEADER_TEXT_CHARS);

  // The header travels inside the mail, so a sender can write it: it may add a failure, never
  // cancel one the provider reported (each source is judged on its own).
  const fromHeader = parseAuthenticationResults(parsed.headers.get('authentication-results'));
  const senderAuth = mergeAuth(ctx.senderAuth, fromHeader);
  const authFailed = senderAuthFailed(ctx.senderAuth ?? {}) || senderAuthFailed(fromHeader);
  const providerMessageId = idOf(ctx.providerMessageId, 'providerMessageId') ?? messageId ?? contentId(parsed);
  const sentAt = parsed.date && !Number.isNaN(Date.parse(parsed.date)) ? new Date(parsed.date).toISOString() : undefined;

  const attachments: Attachment[] = parsed.attachments.map((a) => {
    if ((a.filename?.length ?? 0) > MAX_NAME_CHARS) truncated.add('attachmentName');
    const name = a.filename ? safeName(a.filename) : '';
    const contentType = safeContentType(a.contentType);
    const cid = a.contentId ? cut(a.contentId.replace(/[^\x21-\x7e]/g, ''), MAX_CONTENT_ID_CHARS) : '';
    return { ...(name ? { name } : {}), ...(contentType ? { contentType } : {}), ...(cid ? { contentId: cid } : {}), size: a.content.byteLength };
  });

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
      ...(displayName ? { displayName } : {}),
      text,
      attachments,
      receivedAt: ctx.receivedAt,
      ...(sentAt ? { sentAt } : {}),
      ...(inReplyTo ? { inReplyTo } : {}),
      email: {
        subject,
        ...(messageId ? { messageId } : {}),
        ...(inReplyTo ? { inReplyTo } : {}),
        references,
        cc,
        // Kept whole here: the webhook service moves HTML over the inline limit to the bucket.
        ...(parsed.html ? { html: wellFormed(parsed.html) } : {}),
        preview: cut(replyPreview(text), MAX_PREVIEW_CHARS),
        ...(autoSubmitted ? { autoSubmitted } : {}),
        ...(senderAuth ? { senderAuth, senderAuthFailed: authFailed } : {}),
        ...(truncated.size ? { truncated: [...truncated] } : {}),
      },
    },
    contents: parsed.attachments.map((a) => a.content),
  };
}
