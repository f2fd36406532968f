/**
 * Writes functions/core/signals/function-words.generated.ts: up to FUNCTION_WORDS_PER_LANGUAGE
 * function words (stopwords) per Latin-script language of functions/core/signals/languages.ts, the
 * second, independent signal language.ts uses on short Latin text (franc's trigrams alone named
 * "Please cancel my subscription." French).
 *
 *   npm i --prefix /tmp/sw stopwords-iso@1.1.0
 *   node scripts/signals-function-words.ts /tmp/sw/node_modules/stopwords-iso /tmp/franc/node_modules/franc-all
 *
 * Source: stopwords-iso 1.1.0 (MIT, github.com/stopwords-iso). Its lists are alphabetical, with no
 * frequencies, so the subset is ranked by a proxy (function words are short): words of up to 3
 * letters first (articles, pronouns, prepositions), then words of 4–5 letters, each group by how
 * frequent the word's trigrams are in franc-all's model of that language; words none of whose
 * trigrams the model has, longer words, and words of digits or punctuation are dropped. Two
 * corrections of ours, listed below and in the README:
 * - English: stopwords-iso's English list is a union of lists that includes country codes and
 *   abbreviations ("ae", "st", "edu"), so English takes ENGLISH: 100 frequent English function and
 *   support words picked from that list, plus contractions written without their apostrophe
 *   ("dont", "cant", as the vote reads "don't");
 * - languages stopwords-iso lacks: Welsh and Scots Gaelic get short lists written for this project
 *   (HAND); Igbo, Xhosa and Azerbaijani get none (they are named from trigrams alone, from 40
 *   letters).
 * stopwords-iso and franc-all are needed only to regenerate; the generated file is committed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ISO_639_1, LANGUAGES } from '../functions/core/signals/languages.ts';
import { MODELS } from '../functions/core/signals/trigrams.generated.ts';

export const FUNCTION_WORDS_PATH = 'functions/core/signals/function-words.generated.ts';
export const FUNCTION_WORDS_PER_LANGUAGE = 100;
/** Longer words are rarely function words (stopwords-iso's lists hold some content words). */
const MAX_LETTERS = 5;

/** stopwords-iso's key where it differs from our ISO 639-1 code. */
const KEY: Readonly<Record<string, string>> = { nob: 'no' };

const ENGLISH = [
  'the', 'and', 'to', 'of', 'a', 'i', 'it', 'is', 'in', 'my', 'you', 'your', 'for', 'on', 'that', 'this', 'with', 'was', 'have', 'has',
  'had', 'been', 'not', 'can', 'do', 'does', 'did', 'how', 'what', 'why', 'where', 'when', 'who', 'please', 'thanks', 'thank', 'hello',
  'hi', 'would', 'could', 'should', 'will', 'still', 'just', 'me', 'we', 'our', 'us', 'are', 'be', 'but', 'or', 'if', 'at', 'from',
  'they', 'there', 'no', 'yes', 'any', 'all', 'get', 'got', 'need', 'help', 'want', 'again', 'about', 'after', 'an', 'as', 'by', 'so',
  'up', 'out', 'now', 'here', 'some', 'which', 'am', 'im', 'its', 'dont', 'cant', 'isnt', 'doesnt', 'didnt', 'wont', 'yet',
  'since', 'before', 'last', 'next', 'very', 'too', 'also', 'than', 'then', 'because', 'nobody',
];

const HAND: Readonly<Record<string, readonly string[]>> = {
  cym: [
    'yn', 'y', 'yr', 'a', 'ac', 'i', 'o', 'ei', 'eu', 'mae', 'maen', 'wedi', 'dw', 'dwi', 'rwy', 'rydw', 'ni', 'chi', 'fy', 'dy', 'ein',
    'eich', 'ar', 'am', 'gyda', 'efo', 'os', 'gwelwch', 'dda', 'diolch', 'ddim', 'nid', 'na', 'ond', 'hefyd', 'bod', 'oes', 'yw', 'ydy',
    'ydw', 'roedd', 'fe', 'mi', 'hi', 'hwn', 'hon', 'hyn', 'yma', 'yno', 'beth', 'pam', 'sut', 'pryd', 'ble', 'iawn', 'pan', 'eto', 'dim',
    'gan', 'wrth', 'heb', 'fod', 'allwch', 'helo', 'fawr', 'bore', 'nawr', 'rŵan', 'gallu', 'isio', 'eisiau',
  ],
  gla: [
    'tha', 'agus', 'an', 'am', 'a', 'cha', 'chan', 'do', 'agam', 'agad', 'aige', 'aice', 'againn', 'agaibh', 'aca', 'mi', 'thu', 'e',
    'sinn', 'sibh', 'iad', 'air', 'ann', 'bha', 'gu', 'le', 'leis', 'na', 'nach', 'ach', 'ri', 'ris', 'bho', 'dhomh', 'dhut', 'dha',
    'seo', 'sin', 'siud', 'mo', 'ur', 'ma', 'gun', 'gus', 'idir', 'fhathast', 'ciamar', 'carson', 'dè', 'nuair', 'halò', 'urrainn',
    'mòran', 'tapadh', 'leibh', 'leat', 'dhuibh', 'dhomhsa', 'bhon', 'uair',
  ],
};

export async function renderFunctionWords(stopwordsDir: string, francAllDir: string): Promise<string> {
  const lists = (await import(pathToFileURL(join(stopwordsDir, 'stopwords-iso.json')).href, { with: { type: 'json' } })).default as Record<string, string[]>;
  const { data } = (await import(pathToFileURL(join(francAllDir, 'data.js')).href)) as { data: Record<string, Record<string, string>> };
  const latin = MODELS['Latin'] ?? {};
  const rows: string[] = [];
  for (const code of LANGUAGES) {
    if (!(code in latin)) continue;
    const iso1 = (ISO_639_1 as Record<string, string>)[code]!;
    let words: string[];
    if (code === 'eng') words = ENGLISH.filter((w) => lists['en']!.includes(w) || ['im', 'dont', 'cant', 'isnt', 'doesnt', 'didnt', 'wont'].includes(w));
    else if (HAND[code]) words = [...HAND[code]!];
    else {
      const list = lists[KEY[code] ?? iso1];
      if (!list) continue;
      const model = Object.values(data).find((m) => m[code])?.[code] ?? latin[code]!;
      const ranks = new Map(model.split('|').map((t, i) => [t, i + 1]));
      const score = (w: string): number => {
        const p = ` ${w} `;
        let s = 0;
        for (let i = 0; i + 3 <= p.length; i++) s += ranks.get(p.slice(i, i + 3)) ?? 0;
        return s / (p.length - 2);
      };
      words = [...new Set(list.map((w) => w.toLowerCase().normalize('NFC')))]
        .filter((w) => /^\p{L}+$/u.test(w) && [...w].length <= MAX_LETTERS && score(w) > 0)
        .sort((a, b) => Number([...a].length > 3) - Number([...b].length > 3) || score(b) - score(a) || (a < b ? -1 : 1));
    }
    rows.push(`  ${code}: ${JSON.stringify(words.slice(0, FUNCTION_WORDS_PER_LANGUAGE).join('|'))},`);
  }
  return [
    '// Generated by scripts/signals-function-words.ts from stopwords-iso@1.1.0 (MIT, github.com/stopwords-iso), ranked',
    "// with franc-all@7.2.0's trigram models; English picked from stopwords-iso's list, Welsh and Scots Gaelic written",
    '// for this project (see the script). Do not edit.',
    '/* eslint-disable */',
    '/** Per Latin-script language (ISO 639-3): its function words, lower case, joined by `|`. */',
    `export const FUNCTION_WORDS: Readonly<Record<string, string>> = {\n${rows.join('\n')}\n};`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [stopwordsDir, francAllDir] = process.argv.slice(2);
  if (!stopwordsDir || !francAllDir) {
    console.error('usage: node scripts/signals-function-words.ts <stopwords-iso dir> <franc-all dir>');
    process.exitCode = 1;
  } else {
    writeFileSync(fileURLToPath(new URL(`../${FUNCTION_WORDS_PATH}`, import.meta.url)), await renderFunctionWords(stopwordsDir, francAllDir));
    console.log(`wrote ${FUNCTION_WORDS_PATH}`);
  }
}
