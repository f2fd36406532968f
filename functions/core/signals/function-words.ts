/**
 * Function words (./function-words.generated.ts, from stopwords-iso): the second, independent
 * language signal ./language.ts asks on short Latin text.
 */
import { FUNCTION_WORDS } from './function-words.generated.ts';

/** Function word → the languages (ISO 639-3) listing it, built on first use. */
let functionWords: Map<string, string[]> | undefined;
function functionWordIndex(): Map<string, string[]> {
  if (functionWords) return functionWords;
  functionWords = new Map();
  for (const [code, joined] of Object.entries(FUNCTION_WORDS)) {
    for (const w of joined.split('|')) {
      const langs = functionWords.get(w);
      if (langs) langs.push(code);
      else functionWords.set(w, [code]);
    }
  }
  return functionWords;
}

/**
 * Function-word vote: each word of the text found in the lists gives 1/k to each of the k languages
 * listing it ("please" 1 to English, "en" 1/6 to each of six). Ranked, highest first.
 */
export function functionWordVote(sample: string): Array<[string, number]> {
  const index = functionWordIndex();
  const votes = new Map<string, number>();
  const add = (w: string): boolean => {
    const langs = index.get(w);
    if (!langs) return false;
    for (const code of langs) votes.set(code, (votes.get(code) ?? 0) + 1 / langs.length);
    return true;
  };
  for (const token of sample.toLowerCase().normalize('NFC').split(/[^\p{L}\p{M}'’]+/u)) {
    if (!token) continue;
    // "don't" → "dont" (English lists it so), else its parts: "l’adresse" → "l", "adresse".
    if (add(token.replace(/['’]/g, ''))) continue;
    for (const part of token.split(/['’]/)) if (part) add(part);
  }
  return [...votes].sort((a, b) => b[1] - a[1]);
}

/** Does this language have a function-word list? (Igbo, Xhosa and Azerbaijani do not.) */
export function hasFunctionWords(code: string): boolean {
  return code in FUNCTION_WORDS;
}
