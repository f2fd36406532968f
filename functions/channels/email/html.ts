/**
 * HTML -> safe plain text, in bounded time whatever the input. html-to-text renders well but
 * recurses per nesting level (3,000 nested tags overflow the stack) and its cost grows with the
 * input, so it only sees at most EMAIL_LIMITS.maxHtmlRenderBytes of shallow HTML; anything else
 * (too big, too deep, or a throw) goes through `stripTags`, a single forward pass.
 */
import { convert as htmlToText } from 'html-to-text';
import { EMAIL_LIMITS } from '../../spec.ts';

/** Deepest element nesting handed to html-to-text (it overflows the stack somewhere past 1,000). */
export const MAX_HTML_DEPTH = 256;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const BLOCK = new Set(['address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'ol', 'p', 'pre', 'section', 'table', 'td', 'th', 'tr', 'ul']);
const TAG = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]{0,30})/;

/** One tag from `<` at `lt`: [closing, lower-cased name, index just past its `>`], or undefined. */
function tagAt(html: string, lt: number): { close: boolean; name: string; end: number; selfClosing: boolean } | 'unterminated' | undefined {
  const m = TAG.exec(html.slice(lt, lt + 34));
  if (!m) return undefined;
  const gt = html.indexOf('>', lt + 1);
  if (gt < 0) return 'unterminated'; // no later `<` can have a `>` either: the caller stops here
  return { close: m[1] === '/', name: m[2]!.toLowerCase(), end: gt + 1, selfClosing: html[gt - 1] === '/' };
}

/**
 * An upper bound on the element nesting depth as an HTML parser builds it, in one forward pass:
 * an unmatched closing tag closes nothing (parsers ignore it), `<div/>` opens a `div` (HTML has no
 * self-closing syntax for non-void elements), and a closing tag closes everything opened after
 * its element (each element is pushed and popped once, so this stays linear).
 */
export function htmlDepth(html: string, stopAt = Number.POSITIVE_INFINITY): number {
  const stack: string[] = [];
  const open = new Map<string, number>();
  let max = 0;
  for (let lt = html.indexOf('<'); lt >= 0 && max <= stopAt; lt = html.indexOf('<', lt + 1)) {
    const t = tagAt(html, lt);
    if (t === 'unterminated') break;
    if (!t) continue;
    lt = t.end - 1;
    if (VOID.has(t.name)) continue;
    if (!t.close) {
      stack.push(t.name);
      open.set(t.name, (open.get(t.name) ?? 0) + 1);
      max = Math.max(max, stack.length);
    } else if ((open.get(t.name) ?? 0) > 0) {
      for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
        open.set(name, open.get(name)! - 1);
        if (name === t.name) break;
      }
    }
  }
  return max;
}

/** Elements handed to html-to-text at most; more goes to the plain renderer (its cost grows with them). */
export const MAX_HTML_ELEMENTS = 20_000;

/** An upper bound on the number of elements (every `<` followed by a letter), linear. */
const elementBound = (html: string): number => {
  let n = 0;
  for (let i = html.indexOf('<'); i >= 0 && n <= MAX_HTML_ELEMENTS; i = html.indexOf('<', i + 1)) if (/[a-zA-Z]/.test(html[i + 1] ?? '')) n++;
  return n;
};

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', euro: '€' };

const codePoint = (n: number): string => (n > 0 && n <= 0x10ffff && (n < 0xd800 || n > 0xdfff) ? String.fromCodePoint(n) : '\uFFFD');

export const decodeEntities = (s: string): string =>
  s.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g, (whole, dec?: string, hex?: string, name?: string) =>
    dec ? codePoint(Number(dec)) : hex ? codePoint(parseInt(hex, 16)) : (ENTITIES[name!.toLowerCase()] ?? whole),
  );

/** Collapse runs of blanks, trim lines, keep at most one empty line between paragraphs. */
function tidy(text: string): string {
  const lines: string[] = [];
  for (const raw of text.replace(/[ \t\f\r\v\u00a0]+/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line || (lines.length && lines.at(-1) !== '')) lines.push(line);
  }
  return lines.join('\n').trim();
}

/**
 * Plain linear HTML -> text: tags dropped (block tags become line breaks), comments, <script> and
 * <style> content dropped, common entities decoded. Every search moves forward, so it is O(n).
 */
export function stripTags(html: string): string {
  const out: string[] = [];
  let text = 0; // start of text not yet copied
  let from = 0; // where to look for the next "<"
  for (;;) {
    const lt = html.indexOf('<', from);
    if (lt < 0) {
      out.push(html.slice(text));
      break;
    }
    const t = html.startsWith('<!--', lt) ? 'comment' : tagAt(html, lt);
    if (t === undefined && html[lt + 1] !== '!' && html[lt + 1] !== '?') {
      from = lt + 1; // a lone "<" in text: it stays in the text
      continue;
    }
    out.push(html.slice(text, lt));
    if (t === 'unterminated') break;
    let next: number;
    if (t === 'comment') {
      const end = html.indexOf('-->', lt + 4);
      next = end < 0 ? html.length : end + 3;
    } else if (t === undefined) {
      const gt = html.indexOf('>', lt + 1); // <!DOCTYPE …>, <?xml …?>
      next = gt < 0 ? html.length : gt + 1;
    } else {
      next = t.end;
      if (BLOCK.has(t.name)) out.push('\n');
      if (!t.close && (t.name === 'script' || t.name === 'style')) {
        const closing = new RegExp(`</${t.name}\\s*>`, 'gi');
        closing.lastIndex = next;
        next = closing.exec(html) ? closing.lastIndex : html.length;
      }
    }
    text = from = next;
  }
  return tidy(decodeEntities(out.join('')));
}

/**
 * A safe plain-text rendering of an HTML body (no markup, links as text). Never throws: HTML over
 * EMAIL_LIMITS.maxHtmlRenderBytes or nested deeper than MAX_HTML_DEPTH (checked first, linearly),
 * or that html-to-text cannot render, gets the plain linear `stripTags`.
 */
export function renderHtmlAsText(html: string): string {
  if (Buffer.byteLength(html, 'utf8') > EMAIL_LIMITS.maxHtmlRenderBytes || elementBound(html) > MAX_HTML_ELEMENTS || htmlDepth(html, MAX_HTML_DEPTH) > MAX_HTML_DEPTH) {
    return stripTags(html);
  }
  try {
    return htmlToText(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] }).trim();
  } catch {
    return stripTags(html);
  }
}
