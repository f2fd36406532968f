/**
 * Abuse: slurs and strong profanity anywhere, insults when aimed at the reader. Built on obscenity
 * (jo3-l/obscenity, MIT): its English dataset (with its whitelists: "Scunthorpe", "assistant",
 * "cocktail", "therapist", "grape"...) and recommended transformers (Unicode confusables such as
 * Cyrillic "а" and fullwidth letters, leetspeak "1d10t", "@ss", "sh!t", repeated letters
 * "fuuuck"). Additions of ours:
 * - letters spaced out ("i d i o t", "f.u.c.k") are joined and invisible format characters
 *   (zero-width space, joiners) dropped before matching: obscenity's recommended set does neither;
 * - a few spellings and phrases the dataset lacks ("f**k", "asshole", "stfu", "kiss my ass");
 * - slurs and strong profanity (ANYWHERE) count wherever they are; a list of insults ("idiot",
 *   "useless"...) and the dataset's other words (names, anatomy: "dick", "ass", "sex") count only
 *   when aimed at the reader: a second-person word just before them ("you idiot", "you're
 *   useless", "ur such a moron"), or at who answers: the bot, the agents, the team, the company
 *   ("stupid bot", "this bot is stupid", "useless company"), so "the button is useless", "the app
 *   sucks" and "Dick Smith" are not abuse.
 * - separators beyond spaces ("f/u/c/k", "f | u | c | k"), combining marks, variation selectors
 *   and small capitals ("ꜰᴜᴄᴋ") are undone before matching; "shiitake" and "Shitara" are whitelisted.
 * The matcher is built on first use. Input is bounded by the caller (index.ts INSPECT_CHARS).
 */
import { DataSet, RegExpMatcher, englishDataset, englishRecommendedTransformers, parseRawPattern, type MatchPayload } from 'obscenity';

interface Meta {
  readonly originalWord: string;
}

/** Insults: abusive when aimed at the reader (obscenity patterns; `|` is a word boundary). */
const INSULTS: readonly string[] = [
  'idiot', 'moron', 'imbecile', 'stupid', 'useless', 'incompetent', 'pathetic', '|clown', '|loser', '|dumb|', 'dumbass',
  'worthless', 'scumbag', '|scum|', 'liar', 'thieves', 'thief', 'cretin', 'halfwit', '|mupet', '|prat|', '|pillock', '|suck|', '|sucks|',
];
/**
 * The dataset's words that count anywhere: slurs and strong profanity. Its other words are names,
 * anatomy or ordinary words in some context ("Dick", "negro" in Spanish, "sex", "penis" at a
 * pharmacy desk, "cock" on a farm) and count like insults, only when aimed at the reader.
 */
const ANYWHERE = new Set([
  'abeed', 'abo', 'africoon', 'arabush', 'boonga', 'chingchong', 'chink', 'fag', 'kike', 'nigger', 'tranny', 'retard', 'spastic',
  'cunt', 'fuck', 'shit', 'bitch', 'whore', 'slut', 'twat', 'wank', 'bollocks', 'piss', 'turd', 'cuck', 'asshole', 'dickhead', 'stfu',
  'kiss my ass',
]);

/** Strong profanity the dataset lacks (literal patterns; `*` is not a wildcard). */
const EXTRA_PROFANITY: Readonly<Record<string, readonly string[]>> = {
  asshole: ['asshole', 'arsehole'],
  dickhead: ['dickhead'],
  fuck: ['f*k', '|phuck', '|phuk|'], // "f**k": obscenity collapses repeated characters before matching ("muppet" → "mupet" too)
  shit: ['sh*t'],
  stfu: ['|stfu|', '|gtfo|'],
  // Phrases aimed at the reader by themselves.
  'kiss my ass': ['|kiss my ass', '|kiss my arse', '|screw you|', '|go to hell|'],
};

let built: { matcher: RegExpMatcher; dataset: DataSet<Meta> } | undefined;
function detector(): { matcher: RegExpMatcher; dataset: DataSet<Meta> } {
  if (built) return built;
  const dataset = new DataSet<Meta>().addAll(englishDataset);
  for (const [word, patterns] of Object.entries(EXTRA_PROFANITY)) {
    dataset.addPhrase((p) => patterns.reduce((phrase, raw) => phrase.addPattern(parseRawPattern(raw)), p.setMetadata({ originalWord: word })));
  }
  for (const word of INSULTS) {
    const name = word.replaceAll('|', '');
    dataset.addPhrase((p) => p.setMetadata({ originalWord: name }).addPattern(parseRawPattern(word)));
  }
  dataset.addPhrase((p) => p.setMetadata({ originalWord: 'pussycat' }).addWhitelistedTerm('pussycat').addWhitelistedTerm('pussy cat').addWhitelistedTerm('pussy willow'));
  // Mushrooms and a Japanese surname ("Mr Shitara"): obscenity reads "shiitake" as "shitake".
  dataset.addPhrase((p) => p.setMetadata({ originalWord: 'shiitake' }).addWhitelistedTerm('shiitake').addWhitelistedTerm('shitara'));
  built = { matcher: new RegExpMatcher({ ...dataset.build(), ...englishRecommendedTransformers }), dataset };
  return built;
}

const SEPARATORS = new Set([' ', '.', '-', '_', '*', '/', ',', '|', '+', '~', ':', '\\']);
/** At most this many separators between two letters of a run ("f | u | c | k", "f  u  c  k"). */
const MAX_SEPARATORS = 3;
const isLetter = (c: string | undefined): boolean => c !== undefined && /\p{L}/u.test(c);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Three or more single letters, each separated by one to MAX_SEPARATORS spaces, dots, dashes,
 * underscores, asterisks, slashes, commas, bars..., joined: "i d i o t" → "idiot", "f/u/c/k" →
 * "fuck", "f | u | c | k" → "fuck". One pass (each character is looked at a bounded number of
 * times), no backtracking.
 */
export function joinSpacedLetters(text: string): string {
  const chars = [...text];
  let out = '';
  let i = 0;
  while (i < chars.length) {
    if (isLetter(chars[i]) && !isWordChar(chars[i - 1])) {
      const run = [i];
      for (;;) {
        const last = run.at(-1)!;
        let j = last + 1;
        while (j - last <= MAX_SEPARATORS && SEPARATORS.has(chars[j]!)) j++;
        if (j === last + 1 || !isLetter(chars[j])) break;
        run.push(j);
      }
      if (isWordChar(chars[run.at(-1)! + 1])) run.pop(); // the last letter starts a word: not part of the run
      if (run.length >= 3) {
        out += run.map((k) => chars[k]).join('');
        i = run.at(-1)! + 1;
        continue;
      }
    }
    out += chars[i];
    i++;
  }
  return out;
}

/** Look-alikes and leetspeak for reading the words before a match (obscenity does the matching itself). */
const LOOKALIKE: Readonly<Record<string, string>> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ο: 'o', υ: 'u', ν: 'v', ι: 'i', α: 'a', ε: 'e', κ: 'k', ρ: 'p', τ: 't',
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'i',
};
const SECOND_PERSON = new Set(['you', 'u', 'ya', 'ye', 'yall', 'your', 'ur', 'youre', 'yours', 'yourself', 'yourselves', 'thou']);
/** Words that may stand between "you" and the insult. */
const FILLER = new Set([
  'are', 'r', 're', 'were', 'such', 'a', 'an', 'all', 'so', 'really', 'just', 'total', 'totally', 'complete', 'completely', 'absolute',
  'absolutely', 'utter', 'utterly', 'the', 'most', 'biggest', 'bunch', 'of', 'lot', 'fucking', 'bloody', 'damn', 'stupid', 'dumb',
  'lazy', 'guys', 'people', 'company', 'team', 'staff', 'support', 'service', 'agents', 'lying', 'little', 'big', 'useless', 'and', 'being',
]);

/** Small capitals obscenity's confusables lack ("ꜰᴜᴄᴋ"). */
const SMALL_CAPITALS: Readonly<Record<string, string>> = Object.fromEntries(
  [...'ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ'].map((c, i) => [c, 'abcdefghijklmnoprstuvwyz'[i]!]),
);

/**
 * Who answers a support message: insulting them is insulting the reader ("stupid bot", "this bot is
 * stupid", "useless company"). A product or feature is not ("the app is useless" is a complaint).
 */
const ADDRESSEE = new Set(['bot', 'bots', 'chatbot', 'robot', 'agent', 'agents', 'staff', 'team', 'company', 'operator', 'people', 'guys']);
const LINKING = new Set(['is', 'was', 'this', 'that', 'your', 'ur', 'ya', 'the', 'a', 'an', 'such', 'so', 'are', 'really', 'just', 'totally', 'completely', 'absolutely', 'most']);

function wordsOf(s: string): string[] {
  return [...s.toLowerCase()]
    .map((c) => LOOKALIKE[c] ?? c)
    .join('')
    .replace(/['’]/g, '')
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
}

/** Is the match aimed at who answers: an addressee just after it ("stupid bot") or before it with only linking words between ("this bot is stupid")? */
function aimedAtAddressee(text: string, start: number, end: number): boolean {
  const after = text.slice(end + 1, end + 40);
  const clause = after.slice(0, [...after].findIndex((c) => !/[\p{L}\s'’]/u.test(c)) >>> 0);
  const next = wordsOf(clause)[0];
  if (next !== undefined && ADDRESSEE.has(next)) return true;
  const before = wordsOf(text.slice(Math.max(0, start - 60), start)).slice(-5);
  for (let i = before.length - 1; i >= 0; i--) {
    if (ADDRESSEE.has(before[i]!)) return true;
    if (!LINKING.has(before[i]!)) return false;
  }
  return false;
}

/** Is the match at `start` aimed at the reader: a second-person word, then only filler words, just before it? */
function aimedAtReader(text: string, start: number): boolean {
  const before = [...text.slice(Math.max(0, start - 60), start).toLowerCase()]
    .map((c) => LOOKALIKE[c] ?? c)
    .join('')
    .replace(/['’]/g, '')
    .split(/[^\p{L}]+/u)
    .filter(Boolean)
    .slice(-5);
  for (let i = before.length - 1; i >= 0; i--) {
    if (SECOND_PERSON.has(before[i]!)) return true;
    if (!FILLER.has(before[i]!)) return false;
  }
  return false;
}

/** Is this (bounded) text abusive? */
export function isAbusive(text: string): boolean {
  const { matcher, dataset } = detector();
  // Invisible format characters (zero-width space and joiners, soft hyphen), combining marks (accents,
  // strike-through U+0336) and variation selectors go first: "i\u200Bd\u200Bi\u200Bo\u200Bt", "f\u0336u\u0336c\u0336k\u0336".
  const prepared = joinSpacedLetters(
    [...text.normalize('NFKD').replace(/[\p{Cf}\p{M}]/gu, '')].map((c) => SMALL_CAPITALS[c] ?? c).join('').normalize('NFKC'),
  );
  const matches: MatchPayload[] = matcher.getAllMatches(prepared);
  for (const m of matches) {
    const meta = dataset.getPayloadWithPhraseMetadata(m).phraseMetadata;
    if (ANYWHERE.has(meta?.originalWord ?? '') || aimedAtReader(prepared, m.startIndex) || aimedAtAddressee(prepared, m.startIndex, m.endIndex)) return true;
  }
  return false;
}
