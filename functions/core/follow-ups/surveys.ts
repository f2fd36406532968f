/**
 * Satisfaction surveys (issue 12): the three kinds, reading a customer's answer as a score, and the
 * headline figure of each kind. Pure.
 *
 * | kind | scale | headline                                        |
 * |------|-------|-------------------------------------------------|
 * | csat | 1–5   | % of answers that are 4 or 5                    |
 * | ces  | 1–7   | mean score                                      |
 * | nps  | 0–10  | % promoters (9–10) − % detractors (0–6), −100…100 |
 */

export const SURVEY_KINDS = ['csat', 'ces', 'nps'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

export const SCALES: Readonly<Record<SurveyKind, { readonly min: number; readonly max: number }>> = {
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
  nps: { min: 0, max: 10 },
};

/** A comment after the score is kept up to this many characters. */
export const MAX_COMMENT_CHARS = 1000;
/** A reply is read as a score only when it is short: a long message is a message, not a rating. */
export const MAX_RATING_MESSAGE_CHARS = 280;

export interface ParsedScore {
  readonly score: number;
  readonly comment?: string;
}

const isDigit = (cp: number) => cp >= 0 && /\p{Nd}/u.test(String.fromCodePoint(cp));

/** The value of any Unicode decimal digit: digit blocks are runs of whole 0–9 sequences. */
function digitValue(cp: number): number {
  let start = cp;
  while (isDigit(start - 1) && cp - start < 60) start--;
  return (cp - start) % 10;
}

/** Emoji keycaps (5️⃣, 5⃣), 🔟, and Unicode decimal digits of any script become ASCII digits. */
function asciiDigits(text: string): string {
  return text
    .replace(/\u{1F51F}/gu, '10')
    .replace(/([0-9])\uFE0F?\u20E3/gu, '$1')
    .replace(/\p{Nd}/gu, (d) => (d >= '0' && d <= '9' ? d : String(digitValue(d.codePointAt(0)!))));
}

/**
 * Read a customer's message as a score of `kind`, or undefined when it is not one. Accepted: a bare
 * number in range ("4", " 4. "), a score out of the scale's maximum ("10/10", "4 / 5", "4 out of 5"),
 * a score followed by a short comment ("5 thanks!", "5 - quick and kind"), emoji keycaps and other
 * Unicode digits. Not a score: anything out of range, decimals ("4.5"), several numbers ("4 or 5"),
 * a number inside a sentence ("I waited 3 days") or a long message.
 */
export function parseScore(text: string, kind: SurveyKind): ParsedScore | undefined {
  if (text.length > MAX_RATING_MESSAGE_CHARS * 4) return undefined;
  const t = asciiDigits(text.normalize('NFKC')).trim();
  if (t.length === 0 || t.length > MAX_RATING_MESSAGE_CHARS) return undefined;
  const { min, max } = SCALES[kind];
  const m = /^(\d{1,2})(?:\s*(?:\/|out of|of)\s*(\d{1,2}))?(?![\d.,]\d)(.*)$/isu.exec(t);
  if (!m) return undefined;
  const score = Number(m[1]);
  if (m[2] !== undefined && Number(m[2]) !== max) return undefined;
  if (score < min || score > max) return undefined;
  const rest = m[3]!;
  // The rest must not be another number ("4 or 5", "4-5") and must start as a separate word.
  if (/\d/u.test(rest.slice(0, 12)) && /^\s*(?:or|to|-|–|,)?\s*\d/u.test(rest)) return undefined;
  if (rest.length > 0 && !/^[\s.,!:;)\-–—*⭐️❤]/u.test(rest) && !/^\p{Extended_Pictographic}/u.test(rest)) return undefined;
  const comment = rest.replace(/^[\s.,!:;)\-–—]+/u, '').trim();
  if (comment && !commentAfterScore(rest, comment)) return undefined;
  return comment ? { score, comment: comment.slice(0, MAX_COMMENT_CHARS) } : { score };
}

/**
 * Words that make a leading number part of a sentence, not a score: "3 of my orders…", "2 more
 * days", "5 items are missing". A question is never a rating either.
 */
const CONTINUATIONS = new Set(
  'of out more less or and to than times time days day hours hour weeks week months month minutes minute years items item orders order packages package parcels parcel people persons pieces pcs units euros euro dollars dollar pounds percent x are were is was have has had still left missing remaining already calls emails messages tickets attempts'.split(' '),
);

function commentAfterScore(rest: string, comment: string): boolean {
  if (comment.includes('?')) return false;
  // "5 thanks" reads as a score with a comment; "5 - thanks", "5! thanks", "5, thanks" all the more.
  const separated = /^\s*[.,!:;)\-–—]/u.test(rest);
  const first = /^\p{L}+/u.exec(comment)?.[0]?.toLowerCase();
  return separated || first === undefined || !CONTINUATIONS.has(first);
}

export interface SurveySummary {
  readonly count: number;
  readonly mean: number | null;
  /** Answers per score, every score of the scale present (0 when none). */
  readonly distribution: Readonly<Record<string, number>>;
  /** The kind's headline figure (see the table above), null without answers. */
  readonly headline: number | null;
  readonly headlineName: 'csatPercent' | 'cesMean' | 'nps';
}

/** Count, mean, distribution and the headline figure of one kind's scores. */
export function summarize(kind: SurveyKind, scores: readonly number[]): SurveySummary {
  const { min, max } = SCALES[kind];
  const distribution: Record<string, number> = {};
  for (let s = min; s <= max; s++) distribution[String(s)] = 0;
  let sum = 0;
  for (const s of scores) {
    distribution[String(s)] = (distribution[String(s)] ?? 0) + 1;
    sum += s;
  }
  const n = scores.length;
  const round = (x: number) => Math.round(x * 100) / 100;
  const mean = n ? round(sum / n) : null;
  const share = (pred: (s: number) => boolean) => (100 * scores.filter(pred).length) / n;
  if (kind === 'csat') return { count: n, mean, distribution, headline: n ? round(share((s) => s >= 4)) : null, headlineName: 'csatPercent' };
  if (kind === 'nps') return { count: n, mean, distribution, headline: n ? round(share((s) => s >= 9) - share((s) => s <= 6)) : null, headlineName: 'nps' };
  return { count: n, mean, distribution, headline: mean, headlineName: 'cesMean' };
}

/** The default question of each kind; `{min}` and `{max}` are replaced by the scale. */
export const DEFAULT_SURVEY_TEXT: Readonly<Record<SurveyKind, string>> = {
  csat: 'How satisfied are you with the help you got? Reply with a number from {min} (not at all) to {max} (very).',
  ces: 'How easy was it to get your issue solved? Reply with a number from {min} (very hard) to {max} (very easy).',
  nps: 'How likely are you to recommend us to a friend? Reply with a number from {min} (not at all) to {max} (extremely).',
};

export function surveyText(kind: SurveyKind, template: string = DEFAULT_SURVEY_TEXT[kind]): string {
  const { min, max } = SCALES[kind];
  return template.replaceAll('{min}', String(min)).replaceAll('{max}', String(max));
}
