/** Email rules: ticket tokens in subjects, loop/noise detection, reply previews, our Message-IDs. Pure. */
import EmailReplyParser from 'email-reply-parser';
import { EMAIL_LIMITS } from '../spec.ts';
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

/** Lines the reply parser reads: it is quadratic in lines (16,000 blank lines took 18 s). */
export const MAX_PREVIEW_LINES = 400;

/**
 * What the reply parser is given: at most EMAIL_LIMITS.maxPreviewInputBytes and MAX_PREVIEW_LINES,
 * with trailing blanks trimmed and runs of blank lines collapsed to one (one linear pass).
 */
export function previewInput(text: string): string {
  const head = text.length > EMAIL_LIMITS.maxPreviewInputBytes ? text.slice(0, EMAIL_LIMITS.maxPreviewInputBytes) : text;
  const bounded = Buffer.from(head, 'utf8').subarray(0, EMAIL_LIMITS.maxPreviewInputBytes).toString('utf8').replace(/\uFFFD$/, '');
  const lines: string[] = [];
  for (const raw of bounded.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    if (line === '' && (lines.length === 0 || lines.at(-1) === '')) continue;
    lines.push(line);
    if (lines.length >= MAX_PREVIEW_LINES) break;
  }
  return lines.join('\n');
}

/** A linear rendering when the parser fails: the text up to the first quoted line or "On … wrote:". */
function plainPreview(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('>') || /^On .{0,200} wrote:$/.test(line)) break;
    out.push(line);
  }
  return out.join('\n').trim() || text.trim();
}

/**
 * The new part of a reply: quoted history and signature removed; the full body is kept elsewhere.
 * The parser only reads `previewInput(text)`, so the cost is bounded whatever the mail; if it
 * throws, a plain linear rendering is used.
 */
export function replyPreview(text: string, parse: (input: string) => string = (input) => parser.parseReply(input)): string {
  const input = previewInput(text);
  try {
    return parse(input).trim() || input.trim();
  } catch {
    return plainPreview(input);
  }
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
