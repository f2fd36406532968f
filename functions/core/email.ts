/** Email rules: ticket tokens in subjects, loop/noise detection, reply previews, our Message-IDs. Pure. */
import EmailReplyParser from 'email-reply-parser';
import type { EmailInfo, Ticket } from './types.ts';

const TOKEN = /\[#([0-9A-HJKMNP-TV-Z]{26})\]/;

/** The reference token our outbound subjects carry: `[#<ticket id>]`. */
export const ticketToken = (ticketId: string): string => `[#${ticketId}]`;

export const ticketIdFromSubject = (subject: string): string | undefined => TOKEN.exec(subject)?.[1];

/** "Re: <original subject> [#id]", without stacking Re: or tokens. */
export function replySubject(subject: string | undefined, ticketId: string): string {
  const base = (subject ?? '').replace(TOKEN, '').replace(/^\s*((re|fwd?|aw|sv)\s*:\s*)+/i, '').trim() || 'Your request';
  return `Re: ${base} ${ticketToken(ticketId)}`;
}

/** Strip <> and whitespace from a Message-ID. */
export const bareMessageId = (id: string): string => id.trim().replace(/^<|>$/g, '').trim();

/** Message-IDs in a References/In-Reply-To header value, in order. */
export const messageIdList = (header: string | undefined): string[] =>
  header ? [...header.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!).filter(Boolean) : [];

export const normalizeEmail = (address: string): string => address.trim().toLowerCase();

/**
 * Why a message looks automated, or undefined: RFC 3834 Auto-Submitted, Precedence bulk/junk/list,
 * the X-Autoreply family, mailing-list headers, bounces from MAILER-DAEMON/postmaster or a null
 * return path.
 */
export function automatedReason(headers: ReadonlyMap<string, string>, from: string): string | undefined {
  const h = (k: string) => headers.get(k)?.trim().toLowerCase();
  const auto = h('auto-submitted');
  if (auto && auto !== 'no') return `auto-submitted: ${auto}`;
  const precedence = h('precedence');
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `precedence: ${precedence}`;
  if (h('x-autoreply') !== undefined || h('x-autorespond') !== undefined) return 'x-autoreply';
  if (h('list-id') !== undefined || h('list-unsubscribe') !== undefined) return 'mailing list';
  const local = normalizeEmail(from).split('@')[0] ?? '';
  if (['mailer-daemon', 'postmaster', 'noreply', 'no-reply', 'donotreply', 'do-not-reply'].includes(local)) return `sender: ${local}`;
  if (h('return-path') === '<>') return 'null return path (bounce)';
  return undefined;
}

const parser = new EmailReplyParser();

/** The new part of a reply: quoted history and signature removed; the full body is kept elsewhere. */
export function replyPreview(text: string): string {
  try {
    const visible = parser.parseReply(text).trim();
    return visible || text.trim();
  } catch {
    return text.trim();
  }
}

/** Our own Message-ID for an outbound message on an email ticket (stable across retries). */
export function outboundMessageId(ticket: Pick<Ticket, 'id' | 'inboxAddress'>, messageId: string): string {
  const domain = ticket.inboxAddress.split('@')[1]?.toLowerCase() || 'support.invalid';
  return `${messageId}.${ticket.id}@${domain}`;
}

export function outboundEmailInfo(ticket: Ticket, messageId: string, text: string): EmailInfo {
  return {
    subject: replySubject(ticket.subject, ticket.id),
    messageId: outboundMessageId(ticket, messageId),
    references: [],
    cc: ticket.participants ?? [],
    preview: text,
  };
}
