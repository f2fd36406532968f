/**
 * Signals on every inbound message: language, sentiment, abuse. Pure, synchronous, bounded: each
 * detector reads at most INSPECT_CHARS characters of the subject and text, so a 1 MB e-mail costs
 * what a 2,000-character one does. Detectors are built on first use (no work at import).
 *
 * - language: ./language.ts (franc's method, franc-all's models for ./languages.ts LANGUAGES);
 *   ISO 639-1 where one exists, else 639-3; `und` when unsure. From the text alone: a subject is
 *   often a product name or "Re: Order 123".
 * - sentiment: ./sentiment.ts (AFINN-165 through `sentiment`), subject and text; English words
 *   count only when the text is English or undetected, emoji always.
 * - abusive: ./abuse.ts (obscenity + aimed insults), subject and text.
 * Language and sentiment read the customer's own words (./own-text.ts: quoted lines, what follows a
 * reply header or a `-- ` signature dropped); abuse reads all of the bounded text.
 */
import { isAbusive } from './abuse.ts';
import { detectLanguage } from './language.ts';
import { ownText } from './own-text.ts';
import { sentimentScore } from './sentiment.ts';

/** Characters of subject + text that the signals read. */
export const INSPECT_CHARS = 2000;

export interface Signals {
  /** ISO 639-1 where one exists, else ISO 639-3; `und` when unsure. */
  readonly language: string;
  /** -1 (negative) .. 1 (positive). */
  readonly sentiment: number;
  /** Insults, slurs or profanity aimed at the reader. */
  readonly abusive: boolean;
}

export function detectSignals(input: { readonly text: string; readonly subject?: string | undefined }): Signals {
  const text = (input.text ?? '').slice(0, INSPECT_CHARS);
  const subject = (input.subject ?? '').slice(0, 200);
  const both = subject ? `${subject}\n${text}`.slice(0, INSPECT_CHARS) : text;
  // Quoted replies and signatures are someone else's words: not the message's language or mood.
  const own = ownText(text);
  const language = detectLanguage(own);
  const lexicon = language === 'en' || language === 'und' ? 'english' : 'emoji';
  return { language, sentiment: sentimentScore(subject ? `${subject}\n${own}` : own, lexicon), abusive: isAbusive(both) };
}
