/**
 * Sentiment in [-1, 1] from the `sentiment` package's AFINN-165 lexicon (English words and emoji,
 * each -5..5), with two changes to its English scoring:
 * - negation reaches three words back ("not very good", "don't really like it"), not one, and
 *   "never", "no", "nothing", "hardly", "cannot", "without" negate too;
 * - an intensifier just before a word ("very", "really", "so", "extremely"...) weighs it 1.5×.
 * A few support words AFINN lacks are added (SUPPORT_WORDS: "broken", "refund", "scam", "working",
 * "crashing"); "please" and "help" count 0 (a request is not praise); "work" counts only when negated ("it
 * does not work"); "thank" is never negated ("I can't thank you enough"); shouting (ALL CAPS, no
 * positive word) is mildly negative.
 * Scored sentence by sentence (a negation stops at . ! ? ; or a line break). The sum of the word
 * scores S over n words becomes tanh(S / √max(n, 4)): one clear word in a
 * short message reads strongly ("great" → 0.9), the same word in a long neutral message weakly,
 * and many negative words saturate towards -1. English-centric: text detected as another language
 * is scored on its emoji only (see Lexicon), so it is mostly 0.
 */
import Sentiment from 'sentiment';
// The package's own English language module (labels + negation), so the bundle holds its labels once.
import english from 'sentiment/languages/en/index.js';

const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'nobody', 'none', 'hardly', 'cannot', 'cant', "can't", 'dont', "don't", 'doesnt', "doesn't", 'didnt',
  "didn't", 'isnt', "isn't", 'wasnt', "wasn't", 'arent', "aren't", 'wont', "won't", 'wouldnt', "wouldn't", 'havent', "haven't", 'hasnt',
  "hasn't", 'without', 'non', 'neither', 'nor',
]);
const INTENSIFIERS = new Set(['very', 'really', 'so', 'extremely', 'totally', 'absolutely', 'super', 'incredibly', 'truly', 'completely', 'utterly', 'too']);
/** Support vocabulary AFINN lacks (same -5..5 scale). */
const SUPPORT_WORDS: Readonly<Record<string, number>> = {
  broken: -2, unusable: -3, refund: -1, scam: -3, scammed: -3, ripoff: -3, unacceptable: -3, waiting: -1, ignored: -2, cancelled: -1,
  working: 1, works: 1, worked: 1, resolved: 2, solved: 2, fixed: 2, fast: 1, slow: -1, rude: -3, helpful: 2,
  crashing: -2, crashes: -2, crashed: -2, freezes: -1, freezing: -1, buggy: -2, glitch: -1, laggy: -1,
  // "work" scores only when negated ("it does not work"; see NEGATED_ONLY); "please" and "help" (AFINN
  // +1, +2) are how requests are made, not praise: "Please help me with my bill" is neutral.
  work: 1, please: 0, help: 0,
};
/** Emoji the package's list lacks (also counted in other languages). */
const EXTRA_EMOJI: Readonly<Record<string, number>> = { '🙂': 2, '🙁': -2, '☹': -2 };
/** Words that count only when negated: "work" ("I work nights" says nothing; "doesn't work" does). */
const NEGATED_ONLY = new Set(['work']);
/** Words no negation flips: "I can't thank you enough". */
const NOT_NEGATED = new Set(['thank', 'thanks']);
/**
 * Shouting: a text of at least SHOUT_LETTERS letters, SHOUT_SHARE of them capitals, with no positive
 * score, gets SHOUT_SCORE more ("WHY IS NOBODY ANSWERING" mildly negative, "THANK YOU" unchanged).
 */
const SHOUT_LETTERS = 12;
const SHOUT_SHARE = 0.8;
const SHOUT_SCORE = -1;
const NEGATION_WINDOW = 3;

let analyzer: Sentiment | undefined;
function sentimentAnalyzer(): Sentiment {
  if (analyzer) return analyzer;
  analyzer = new Sentiment();
  // `sentiment` adds its emoji scores to every language it registers: this one has only those.
  analyzer.registerLanguage('emoji-only', { labels: { ...EXTRA_EMOJI } });
  analyzer.registerLanguage('en-support', {
    labels: { ...english.labels, ...SUPPORT_WORDS, ...EXTRA_EMOJI },
    scoringStrategy: {
      apply(tokens, cursor, score) {
        let s = score;
        const token = tokens[cursor]!;
        if (cursor > 0 && INTENSIFIERS.has(tokens[cursor - 1]!)) s *= 1.5;
        if (NOT_NEGATED.has(token)) return s;
        for (let i = cursor - 1; i >= Math.max(0, cursor - NEGATION_WINDOW); i--) {
          if (NEGATORS.has(tokens[i]!)) return -s;
        }
        return NEGATED_ONLY.has(token) ? 0 : s;
      },
    },
  });
  return analyzer;
}

/**
 * Which words count: `english` (AFINN words and emoji) for English or undetected text, `emoji` for
 * text in another language, where English look-alikes would mislead (Welsh "bore" is "morning",
 * AFINN's "bore" is -2).
 */
export type Lexicon = 'english' | 'emoji';

/** Sentiment of a (bounded) text: -1 (negative) .. 1 (positive), 0 when no word carries one. */
export function sentimentScore(text: string, lexicon: Lexicon = 'english'): number {
  const language = lexicon === 'english' ? 'en-support' : 'emoji-only';
  // Sentence by sentence, so a negation never reaches into the next one ("Not sure. Great job!").
  let score = 0;
  let words = 0;
  // Emoji stand alone (the tokenizer splits on spaces only: "thanks👍", "😡😡").
  const spaced = text.replace(/\p{Extended_Pictographic}/gu, ' $& ');
  for (const sentence of spaced.split(/[.!?;\n]+/)) {
    if (!sentence.trim()) continue;
    const r = sentimentAnalyzer().analyze(sentence, { language });
    score += r.score;
    words += r.tokens.length;
  }
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (lexicon === 'english' && letters >= SHOUT_LETTERS && score <= 0 && (text.match(/\p{Lu}/gu)?.length ?? 0) >= SHOUT_SHARE * letters) score += SHOUT_SCORE;
  if (score === 0) return 0;
  const value = Math.tanh(score / Math.sqrt(Math.max(words, 4)));
  return Math.round(value * 1000) / 1000;
}
