/**
 * Language of a message: franc's method (wooorm/franc, MIT) on franc-all's trigram models for the
 * languages of ./languages.ts (generated into ./trigrams.generated.ts), checked on short Latin text
 * by a second, independent signal: function words (./function-words.generated.ts, from
 * stopwords-iso). Pure and synchronous; models and word lists are parsed on first use.
 *
 * Method (franc 7): the script with the most characters wins; a script with one language names it
 * (Hangul → ko); otherwise the text's trigrams (lower-cased, ASCII punctuation and digits as spaces),
 * ranked by count, are compared with each language's 300 ranked trigrams and the nearest wins.
 * Scores are franc's: 1 for the nearest, less for the others.
 *
 * Unsure → `und`: fewer than MIN_LETTERS letters once links, addresses, handles and tokens with
 * digits are dropped (unless the function words are decisive, from MIN_FUNCTION_WORD_LETTERS); no
 * script we know; the runner-up within MIN_MARGIN of the winner; or, on Latin text under
 * SHORT_LATIN_LETTERS letters, function words that do not back the trigrams (see shortLatin).
 * Han, Kana and Hangul name zh / ja / ko from CJK_MIN_CHARS characters (cjkLanguage).
 * Letters only one language of a close pair writes decide where the trigram models are weak:
 * Cyrillic ы э ъ ё (Russian) against і ї є ґ (Ukrainian); three or more dotless ı or ğ make a
 * Latin text Turkish (Azerbaijani with ə); ä ö Swedish against æ ø Danish/Norwegian; ã õ ç
 * Portuguese against ñ ¿ ¡ Spanish; acute á Irish against grave à Scots Gaelic; and words one of
 * Indonesian and Malay uses and the other does not. franc's Turkish model (trained on the UN
 * Declaration of Human Rights) put 2 of 3 held-out Turkish messages elsewhere (Slovenian, Hausa)
 * without the Turkish rule.
 */
import { GAELIC_LETTERS, indonesianOrMalay, IRISH_LETTERS, PORTUGUESE_LETTERS, scandinavianLetters, SPANISH_LETTERS } from './close-pairs.ts';
import { functionWordVote, hasFunctionWords } from './function-words.ts';
import { ISO_639_1, LANGUAGES } from './languages.ts';
import { MODELS, SCRIPTS } from './trigrams.generated.ts';

/**
 * Characters of a message the language is read from (franc reads up to 2048). Trigram profiles
 * settle within a few sentences; the cost grows with the text's distinct trigrams (a 2,000-character
 * message took 1.6 ms, 600 characters 0.5 ms).
 */
export const LANGUAGE_INSPECT_CHARS = 600;
/** Fewer letters than this is `und` (“ok”, “thanks!”, an order number). */
export const MIN_LETTERS = 16;
/** Runner-up score at least 1 − MIN_MARGIN (franc's scale): too close to call, `und`. */
export const MIN_MARGIN = 0.03;

const MAX_DIFFERENCE = 300;
const ALLOWED = new Set<string>(LANGUAGES);
const ISO1 = ISO_639_1 as Readonly<Record<string, string>>;

/**
 * Per script, built on first use: its languages (in the models' order) and, per trigram, the
 * languages that rank it with their ranks (pairs: language index, rank). One lookup per trigram of
 * the message serves every language, where a map per language took one lookup per trigram and
 * language (~45 Latin languages: the hottest loop of an inbound message, 0.45 ms of CPU).
 * Trigram `i` (`index`) has its pairs in `pairs[start[i]..end[i])`: two passes over typed arrays
 * rather than an array per trigram, because the first inbound message of every container pays for
 * the build (Latin: 40 languages, 12,000 ranks; the first detection 16.9 -> 9.6 ms, median of 5 fresh processes).
 */
interface ScriptModels {
  readonly codes: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly pairs: Int32Array;
}
const parsed = new Map<string, ScriptModels>();
function modelsOf(script: string): ScriptModels | undefined {
  const raw = MODELS[script];
  if (!raw) return undefined;
  let models = parsed.get(script);
  if (!models) {
    models = buildModels(Object.keys(raw).filter((code) => ALLOWED.has(code)).map((code) => [code, raw[code]!.split('|')] as const));
    parsed.set(script, models);
  }
  return models;
}

/** The inverted index of ranked trigram lists (exported for its test). */
export function buildModels(lists: ReadonlyArray<readonly [string, readonly string[]]>): ScriptModels {
  const index = new Map<string, number>();
  let total = 0;
  for (const [, list] of lists) total += list.length;
  // Pass 1: number the distinct trigrams, count each one's ranks, remember every rank's trigram.
  const ids = new Int32Array(total);
  const count = new Int32Array(total);
  let k = 0;
  for (const [, list] of lists) {
    for (const t of list) {
      let id = index.get(t);
      if (id === undefined) index.set(t, (id = index.size));
      count[id]! += 2;
      ids[k++] = id;
    }
  }
  // Pass 2: each trigram's slice of `pairs`, filled in language order.
  const n = index.size;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0, at = 0; i < n; i++) {
    start[i] = end[i] = at;
    at += count[i]!;
  }
  const pairs = new Int32Array(total * 2);
  k = 0;
  lists.forEach(([, list], lang) => {
    for (let rank = 0; rank < list.length; rank++) {
      const id = ids[k++]!;
      const at = end[id]!;
      // A trigram listed twice in one model keeps its last rank, as a Map per language did.
      if (at > start[id]! && pairs[at - 2] === lang) pairs[at - 1] = rank;
      else {
        pairs[at] = lang;
        pairs[at + 1] = rank;
        end[id] = at + 2;
      }
    }
  });
  return { codes: lists.map(([code]) => code), index, start, end, pairs };
}

/** Words that carry no language: links, e-mail addresses, @handles, #tags, anything with a digit. */
const NOISE = /[@#/\\0-9]|^www\./i;

/** The text franc-style scoring reads: noise tokens dropped, at most LANGUAGE_INSPECT_CHARS. */
export function languageSample(text: string): string {
  const words = text.slice(0, LANGUAGE_INSPECT_CHARS).split(/\s+/);
  return words.filter((w) => w && !NOISE.test(w)).join(' ');
}

/** Trigrams of franc's cleaned text, with counts, ascending by count (trigram-utils asTuples). */
function trigramTuples(sample: string): Array<[string, number]> {
  const clean = ` ${sample.replace(/[\u0021-\u0040]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase()} `;
  const counts = new Map<string, number>();
  for (let i = 0; i + 3 <= clean.length; i++) {
    const t = clean.slice(i, i + 3);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[1] - b[1]);
}

/** franc's distance of the message's trigrams to every language: missing trigrams cost MAX_DIFFERENCE, others |count − rank − 1|. */
function distances(trigrams: Array<[string, number]>, models: ScriptModels): number[] {
  const d = new Array<number>(models.codes.length).fill(trigrams.length * MAX_DIFFERENCE);
  const { index, start, end, pairs } = models;
  for (const [t, count] of trigrams) {
    const id = index.get(t);
    if (id === undefined) continue;
    for (let i = start[id]!; i < end[id]!; i += 2) d[pairs[i]!]! += Math.abs(count - pairs[i + 1]! - 1) - MAX_DIFFERENCE;
  }
  return d;
}

function topScript(sample: string): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const [name, re] of Object.entries(SCRIPTS)) {
    const n = sample.match(re)?.length ?? 0;
    if (n > 0 && (!best || n > best[1])) best = [name, n];
  }
  return best;
}

const RU_ONLY = /[ыэъё]/i;
const UK_ONLY = /[іїєґ]/i;
/** Dotless ı and ğ: of the languages listed, only Turkish and Azerbaijani (which also has ə) write them. */
const TURKIC = /[ıİğĞ]/g;
/** Turkic letters that make a text Turkish or Azerbaijani whatever its trigrams say (one is a name: "Doğan"). */
export const TURKIC_MIN_LETTERS = 3;

/** Languages ranked with franc's scores (1 = nearest), ISO 639-3 codes; empty when none applies. */
export function rankLanguages(text: string, minLetters = MIN_LETTERS): Array<[string, number]> {
  const sample = languageSample(text);
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters < minLetters) return [];
  const script = topScript(sample);
  if (!script) return [];
  const models = modelsOf(script[0]);
  if (!models) return ALLOWED.has(script[0]) ? [[script[0], 1]] : [];
  const d = distances(trigramTuples(sample), models);
  const ranked = models.codes.map((code, i) => [code, d[i]!] as [string, number]).sort((a, b) => a[1] - b[1]);
  const min = ranked[0]![1];
  const max = sample.length * MAX_DIFFERENCE - min;
  return ranked.map(([code, d]) => [code, 1 - (d - min) / max || 0]);
}

/**
 * Han, Kana and Hangul: a text mostly in these is Japanese when it has Kana (Japanese mixes Kanji and
 * Kana, and a short Japanese text can hold more Kanji than Kana), Korean when it has Hangul, else
 * Chinese. Each is a script of one language in our list, so CJK_MIN_CHARS suffice.
 */
export const CJK_MIN_CHARS = 4;
const HAN = /\p{Script=Han}/gu;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const HANGUL = /\p{Script=Hangul}/gu;
function cjkLanguage(text: string): string | undefined {
  // Counted on the text itself: CJK has no spaces, so languageSample drops a whole clause with a
  // digit in it ("订单12345还没到"); the other letters are counted on the sample (no links).
  const raw = text.slice(0, LANGUAGE_INSPECT_CHARS);
  const han = raw.match(HAN)?.length ?? 0;
  const kana = raw.match(KANA)?.length ?? 0;
  const hangul = raw.match(HANGUL)?.length ?? 0;
  const cjk = han + kana + hangul;
  const sample = languageSample(text);
  const others = (sample.match(/\p{L}/gu)?.length ?? 0) - (sample.match(HAN)?.length ?? 0) - (sample.match(KANA)?.length ?? 0) - (sample.match(HANGUL)?.length ?? 0);
  if (cjk < CJK_MIN_CHARS || cjk < others) return undefined;
  if (hangul > kana) return 'ko';
  return kana > 0 ? 'ja' : 'zh';
}

/**
 * Latin text with fewer letters than this is named only when its function words agree with the
 * trigrams, or are decisive on their own (see detectLanguage).
 */
export const SHORT_LATIN_LETTERS = 120;
/** Function-word vote that names a language by itself: at least this, and twice the runner-up's. */
export const DECISIVE_VOTE = 2;
/** Latin text of MIN_FUNCTION_WORD_LETTERS..MIN_LETTERS letters is named only on a decisive function-word vote. */
export const MIN_FUNCTION_WORD_LETTERS = 10;
/** A language the function words lead for is plausible when the trigrams score it at least 1 − NEAR. */
export const NEAR = 0.15;
/** Short Latin text with at least this many letters may be named from the trigrams alone (old rule). */
export const TRIGRAM_ALONE_LETTERS = 40;

/** ISO 639-1 where one exists, else 639-3; `und` when unsure. */
export function detectLanguage(text: string): string {
  const cjk = cjkLanguage(text);
  if (cjk) return cjk;
  const ranked = rankLanguages(text, MIN_FUNCTION_WORD_LETTERS);
  if (ranked.length === 0) return 'und';
  if ((languageSample(text).match(/\p{L}/gu)?.length ?? 0) < MIN_LETTERS) {
    // "Where is my order?": too short for trigrams, but Latin function words may be decisive.
    if (!(ranked[0]![0] in (MODELS['Latin'] ?? {}))) return 'und';
    const [top, runnerUp] = functionWordVote(languageSample(text));
    const code = top && top[1] >= DECISIVE_VOTE && top[1] >= 2 * (runnerUp?.[1] ?? 0) ? top[0] : 'und';
    return code === 'und' ? code : (ISO1[code] ?? code);
  }
  const [best, second] = ranked;
  const sample = text.slice(0, LANGUAGE_INSPECT_CHARS);
  if ((best![0] === 'rus' || best![0] === 'ukr') && second) {
    const ru = RU_ONLY.test(sample);
    const uk = UK_ONLY.test(sample);
    if (ru !== uk) return ru ? 'ru' : 'uk';
  }
  if ((sample.match(TURKIC)?.length ?? 0) >= TURKIC_MIN_LETTERS && ranked.some(([code]) => code === 'tur')) return /[əƏ]/.test(sample) ? 'az' : 'tr';
  const scandinavian = scandinavianLetters(sample, ranked);
  if (scandinavian) return ISO1[scandinavian]!;
  if ((best![0] === 'gle' || best![0] === 'gla') && IRISH_LETTERS.test(sample) !== GAELIC_LETTERS.test(sample)) return IRISH_LETTERS.test(sample) ? 'ga' : 'gd';
  if (best![0] === 'spa' || best![0] === 'por') {
    // ç is French and Catalan too: it counts only when the function words prefer Portuguese to those.
    const votes = new Map(functionWordVote(languageSample(sample)));
    const vote = (code: string): number => votes.get(code) ?? 0;
    const pt = PORTUGUESE_LETTERS.test(sample) || (/[çÇ]/.test(sample) && vote('por') > Math.max(vote('fra'), vote('cat')));
    if (pt !== SPANISH_LETTERS.test(sample)) return pt ? 'pt' : 'es';
  }
  const malay = indonesianOrMalay(sample, ranked);
  if (malay) return malay === 'und' ? malay : ISO1[malay]!;
  const code = shortLatin(text, ranked) ?? (second && second[1] > 1 - MIN_MARGIN ? 'und' : best![0]);
  return code === 'und' ? code : (ISO1[code] ?? code);
}

/**
 * Short Latin text: franc's trigrams alone named "Please cancel my subscription." French and "How
 * do I reset my password?" Portuguese. Under SHORT_LATIN_LETTERS letters the function words must
 * agree: they name a language when their vote leads clearly (twice the runner-up's) and the
 * trigrams find that language plausible (within NEAR of the nearest) or the vote is decisive by
 * itself (DECISIVE_VOTE); when they do not lead clearly, the trigrams' nearest language is named only
 * if it has the top vote, or the text has TRIGRAM_ALONE_LETTERS letters and the function words do
 * not speak against it. Otherwise `und`. Undefined for other text (the trigrams decide).
 */
function shortLatin(text: string, ranked: Array<[string, number]>): string | undefined {
  const sample = languageSample(text);
  const best = ranked[0]![0];
  if (!(best in (MODELS['Latin'] ?? {}))) return undefined;
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters >= SHORT_LATIN_LETTERS) return undefined;
  const votes = functionWordVote(sample);
  const [top, runnerUp] = votes;
  const second = runnerUp?.[1] ?? 0;
  if (top && top[1] >= 2 * second) {
    const trigram = ranked.find(([code]) => code === top[0])?.[1] ?? 0;
    if (top[1] >= DECISIVE_VOTE || trigram >= 1 - NEAR) return top[0];
  }
  const bestVote = votes.find(([code]) => code === best)?.[1] ?? 0;
  if (top && bestVote === top[1] && top[1] > second) return best;
  // Trigrams alone when the function words do not speak against the nearest language: it has half the
  // top vote, or it has no list (Igbo, Xhosa, Azerbaijani) and no language has a decisive vote.
  const unlisted = !hasFunctionWords(best) && (!top || top[1] < DECISIVE_VOTE);
  if (letters >= TRIGRAM_ALONE_LETTERS && (!top || bestVote >= top[1] / 2 || unlisted)) return undefined;
  return 'und';
}
