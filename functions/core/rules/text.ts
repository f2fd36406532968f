/**
 * Text tests for rules, on bounded input: `contains` (words and phrases, case- and accent-insensitive,
 * on word boundaries) and `matches` (RE2 through re2js: linear time, no backtracking, so no pattern
 * can make a message take long). Pure.
 *
 * re2js (about 150 KB minified) is loaded on demand: only `await import('re2js')` reaches it, so a
 * bundle split into chunks parses it only when a `matches` rule is compiled or validated. Whoever
 * compiles patterns awaits `loadRe2()` first (the rule cache and the rules service when the rules
 * hold a `matches` condition, the rule routes before their body is parsed).
 */
import type { RE2JS as RE2JSClass } from 're2js';

let re2: typeof RE2JSClass | undefined;
let loading: Promise<void> | undefined;

/** Load RE2 once (idempotent; concurrent callers share one import). A failed import may be retried. */
export function loadRe2(): Promise<void> {
  if (re2) return Promise.resolve();
  loading ??= import('re2js').then(
    (m) => {
      re2 = m.RE2JS;
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/** Has `loadRe2()` completed (so `compilePattern` may run)? */
export const re2Loaded = (): boolean => re2 !== undefined;

/**
 * Case- and accent-insensitive form: NFKD (compatibility: ﬁ → fi, full-width → ASCII), combining
 * marks stripped, lower-cased with the few folds lower-casing misses (ß → ss, final sigma, dotless i).
 * Words are runs of letters and digits, joined by one space and padded with spaces, so a phrase is
 * found on word boundaries by a plain substring search.
 */
export function wordForm(s: string): string {
  const folded = s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replaceAll('ß', 'ss')
    .replaceAll('ς', 'σ')
    .replaceAll('ı', 'i');
  const words = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return ` ${words.join(' ')} `;
}

/** Phrases in word form, ready for `containsAny`; empty phrases (only punctuation) are dropped. */
export const phrases = (list: readonly string[]): string[] => list.map(wordForm).filter((p) => p.trim().length > 0);

/** The distinct words of a text in word form (built once per message, see containsAny). */
export const wordSet = (textWordForm: string): ReadonlySet<string> => new Set(textWordForm.split(' ').filter(Boolean));

/**
 * Does the text (already in word form) hold any of the phrases (in word form)? A phrase whose words
 * are not all among the text's words is ruled out by set lookups, so the substring search runs only
 * for phrases that may be there: 200 rules × 20 conditions × 50 phrases stay cheap on a 4k text.
 */
export const containsAny = (textWordForm: string, phraseForms: readonly string[], words: ReadonlySet<string> = wordSet(textWordForm)): boolean =>
  phraseForms.some((p) => {
    const parts = p.trim().split(' ');
    return parts.every((w) => words.has(w)) && (parts.length === 1 || textWordForm.includes(p));
  });

export interface Pattern {
  test(s: string): boolean;
  /** RE2's program size (instructions): what a match costs per character of text. */
  readonly size: number;
}

/**
 * Compile a user's pattern with RE2 semantics (case-insensitive; `(?-i)` turns that off). RE2 has
 * no backreferences and no lookaround: those, and any other syntax error, come back as a problem
 * to show the user. Synchronous: RE2 must be loaded (`await loadRe2()`), else this throws a
 * programming error rather than call a pattern valid or let it match nothing.
 */
export function compilePattern(source: string): { ok: true; pattern: Pattern } | { ok: false; problem: string } {
  const RE2JS = re2;
  if (!RE2JS) throw new Error('RE2 is not loaded: await loadRe2() first');
  try {
    const re = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
    return { ok: true, pattern: { test: (s) => re.matcher(s).find(), size: re.programSize() } };
  } catch (e) {
    // RE2 refuses these anyway; say why in words rather than as a parser message.
    if (/\\[1-9]|\\k</.test(source)) return { ok: false, problem: 'backreferences (\\1, \\k<name>) are not supported' };
    if (/\(\?<?[=!]/.test(source)) return { ok: false, problem: 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported' };
    return { ok: false, problem: (e instanceof Error ? e.message : String(e)).slice(0, 200) };
  }
}
