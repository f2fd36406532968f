/**
 * Reply previews of inbound email: the new part of a reply, quoted history and signature removed,
 * with email-reply-parser on a bounded input. Only the email channels' normalizers load this, so the
 * parser (and building it) is not part of any function's init. Pure.
 */
import EmailReplyParser from 'email-reply-parser';
import { EMAIL_LIMITS } from '../spec.ts';

let parser: EmailReplyParser | undefined;

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
export function replyPreview(text: string, parse: (input: string) => string = (input) => (parser ??= new EmailReplyParser()).parseReply(input)): string {
  const input = previewInput(text);
  try {
    return parse(input).trim() || input.trim();
  } catch {
    return plainPreview(input);
  }
}
