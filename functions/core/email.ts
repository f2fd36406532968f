/**
 * Email rules: ticket tokens in subjects, loop/noise detection, our Message-IDs. Pure. Reply previews
 * are in ./email-preview.ts, which only the email channels load (every function imports this file).
 */
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

/**
 * Our own Message-ID for an outbound message on an email ticket: a random 128-bit token (from the
 * IdSource port) at the inbox's domain, so nobody can predict it and pre-claim it for threading.
 * Stored on the message when it is created, so retries send the same id.
 */
export function outboundMessageId(ticket: Pick<Ticket, 'inboxAddress'>, token: string): string {
  const domain = ticket.inboxAddress.split('@')[1]?.toLowerCase() || 'support.invalid';
  return `${token}@${domain}`;
}

/**
 * The email parts of an outbound message. An automated one (acknowledgement) goes to the customer
 * alone under a fixed subject: no Cc and none of the sender's words, so a forged mail cannot turn
 * it into a message to third parties.
 */
export function outboundEmailInfo(ticket: Ticket, token: string, text: string, automated = false): EmailInfo {
  return {
    subject: automated ? `We received your request ${ticketToken(ticket.id)}` : replySubject(ticket.subject, ticket.id),
    messageId: outboundMessageId(ticket, token),
    references: [],
    cc: automated ? [] : (ticket.participants ?? []),
    preview: text,
  };
}

/**
 * The mailbox an address delivers to, for limits on automated mail: lower-cased, local part
 * unquoted and without a `+tag`, domain without a trailing dot. `"Ada"+x@Example.com.` and
 * `ada@example.com` are one mailbox.
 */
export function canonicalMailbox(address: string): string {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 1) return a;
  const local = a.slice(0, at).replace(/\+.*$/, '').replace(/"/g, '');
  const domain = a.slice(at + 1).replace(/\.+$/, '');
  return `${local}@${domain}`;
}
