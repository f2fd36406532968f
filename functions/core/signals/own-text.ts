/**
 * The customer's own words in a message: quoted lines (starting with `>`) dropped, and everything
 * from a reply header ("On … wrote:", "-----Original Message-----", "Le … a écrit :", "Am …
 * schrieb:", "El … escribió:", Outlook's "From: …" + "Sent: …" or a line of underscores) or a
 * signature line (`-- `) on cut. Language and sentiment read this;
 * abuse reads the whole (bounded) text. Line by line, string tests only (no backtracking).
 */
const HEADER_ENDS = ['wrote:', 'a écrit :', 'a écrit:', 'schrieb:', 'escribió:', 'escreveu:', 'ha scritto:', 'schreef:', 'napisał:'];
const HEADER_STARTS = ['on ', 'le ', 'am ', 'el ', 'em ', 'il ', 'op ', 'w dniu '];

function isReplyHeader(line: string, previous: string | undefined): 'this' | 'previous' | undefined {
  const l = line.trim().toLowerCase();
  if (l.startsWith('-----') && (l.includes('original message') || l.includes('ursprüngliche nachricht') || l.includes("message d'origine") || l.includes('mensaje original') || l.endsWith('-----'))) return 'this';
  // Outlook: a line of underscores, or "From: …" followed by "Sent: …" / "Date: …".
  if (l.length >= 10 && [...l].every((c) => c === '_')) return 'this';
  if ((l.startsWith('sent:') || l.startsWith('date:')) && previous?.trim().toLowerCase().startsWith('from:')) return 'previous';
  // German puts the sender after the verb: "Am 3. Nov. 2025 um 10:00 schrieb Support <a@b.c>:".
  if (l.startsWith('am ') && l.includes(' schrieb ') && l.endsWith(':')) return 'this';
  if (!HEADER_ENDS.some((end) => l.endsWith(end))) return undefined;
  if (HEADER_STARTS.some((start) => l.startsWith(start))) return 'this';
  // A header wrapped over two lines: "On Mon, 3 Nov 2025, Support <help@x.com>" / "wrote:".
  const p = previous?.trim().toLowerCase() ?? '';
  return HEADER_STARTS.some((start) => p.startsWith(start)) ? 'previous' : 'this';
}

/** The text before any reply header or signature, without quoted lines; the text itself if that leaves no letter. */
export function ownText(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimEnd() === '--' || line === '-- ') break;
    const header = isReplyHeader(line, lines[i - 1]);
    if (header === 'previous') kept.pop();
    if (header) break;
    if (line.trimStart().startsWith('>')) continue;
    kept.push(line);
  }
  const own = kept.join('\n');
  return /\p{L}/u.test(own) ? own : text;
}
