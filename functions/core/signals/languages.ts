/**
 * The languages a desk detects (ISO 639-3, franc's codes) and how each is reported.
 *
 * A closed list, not franc-all's 419: with every language in play, close neighbours win on short
 * messages (Spanish → Ladino, German → Frisian, Turkish → Gagauz; 60/75 of bench/signals.ts's set),
 * and a desk would rather say `und` than name a language nobody on it reads. Galician is left out
 * (it takes Portuguese messages), Bulgarian and Serbian too (they take Russian ones).
 * Adding one: append its code, run `node scripts/signals-trigrams.ts` and (Latin script)
 * `node scripts/signals-function-words.ts`, add sentences to test/fixtures/signals/sentences.ts and
 * check `node bench/signals.ts`. Scots Gaelic (`gla`) was added after a review: Gaelic messages were
 * named Irish.
 */
export const LANGUAGES = [
  // Latin script
  'eng', 'spa', 'fra', 'deu', 'por', 'ita', 'nld', 'pol', 'ron', 'ces', 'slk', 'hun', 'swe', 'dan', 'nob', 'fin',
  'tur', 'azj', 'cym', 'gle', 'hau', 'yor', 'ibo', 'swh', 'som', 'zul', 'xho', 'afr', 'ind', 'zlm', 'vie', 'tgl',
  'hrv', 'slv', 'lit', 'lvs', 'ekk', 'cat', 'eus', 'gla',
  // Cyrillic, Arabic, Devanagari, Hebrew, Ethiopic
  'rus', 'ukr', 'arb', 'pes', 'urd', 'hin', 'mar', 'npi', 'heb', 'amh',
  // Scripts with one language (no model needed)
  'ell', 'cmn', 'jpn', 'kor', 'tha', 'ben', 'tam', 'tel',
] as const;

/**
 * ISO 639-3 → 639-1 for the list (from the iso-639-3 package; test/unit/signals.test.ts
 * checks it). Individual languages of a macrolanguage report the macrolanguage's 639-1 code
 * (Standard Arabic `arb` → `ar`, Swahili `swh` → `sw`, Iranian Persian `pes` → `fa`, Malay `zlm`
 * → `ms`, North Azerbaijani `azj` → `az`, Standard Latvian `lvs` → `lv`, Standard Estonian `ekk` →
 * `et`, Norwegian Bokmål stays `nb`, Mandarin `cmn` → `zh`, Nepali `npi` → `ne`).
 */
export const ISO_639_1: Readonly<Record<(typeof LANGUAGES)[number], string>> = {
  eng: 'en', spa: 'es', fra: 'fr', deu: 'de', por: 'pt', ita: 'it', nld: 'nl', pol: 'pl', ron: 'ro', ces: 'cs',
  slk: 'sk', hun: 'hu', swe: 'sv', dan: 'da', nob: 'nb', fin: 'fi', tur: 'tr', azj: 'az', cym: 'cy', gle: 'ga',
  hau: 'ha', yor: 'yo', ibo: 'ig', swh: 'sw', som: 'so', zul: 'zu', xho: 'xh', afr: 'af', ind: 'id', zlm: 'ms',
  vie: 'vi', tgl: 'tl', hrv: 'hr', slv: 'sl', lit: 'lt', lvs: 'lv', ekk: 'et', cat: 'ca', eus: 'eu', gla: 'gd', rus: 'ru',
  ukr: 'uk', arb: 'ar', pes: 'fa', urd: 'ur', hin: 'hi', mar: 'mr', npi: 'ne', heb: 'he', amh: 'am', ell: 'el',
  cmn: 'zh', jpn: 'ja', kor: 'ko', tha: 'th', ben: 'bn', tam: 'ta', tel: 'te',
};

/** Individual language → its macrolanguage (ISO 639-3), for the check against iso-639-3. */
export const MACROLANGUAGE: Readonly<Record<string, string>> = {
  arb: 'ara', swh: 'swa', pes: 'fas', zlm: 'msa', azj: 'aze', lvs: 'lav', ekk: 'est', cmn: 'zho', npi: 'nep',
};
