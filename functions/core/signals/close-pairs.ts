/**
 * Close pairs franc's trigram models confuse, told apart by letters or words only one of each pair
 * writes (used by ./language.ts once the trigrams have ranked the candidates). Each returns an ISO
 * 639-3 code, `und`, or undefined when it has nothing to say.
 */
/** Portuguese writes ã õ (and ç), Spanish ñ ¿ ¡: when one is the nearest, one set without the other decides. */
export const PORTUGUESE_LETTERS = /[ãõÃÕ]/;
export const SPANISH_LETTERS = /[ñÑ¿¡]/;
/** Irish marks long vowels with an acute (á), Scots Gaelic with a grave (à): one without the other decides between them. */
export const IRISH_LETTERS = /[áéíóúÁÉÍÓÚ]/;
export const GAELIC_LETTERS = /[àèìòùÀÈÌÒÙ]/;
const SWEDISH_LETTERS = /[äöÄÖ]/;
const DANO_NORWEGIAN_LETTERS = /[æøÆØ]/;
/**
 * Swedish writes ä ö, Danish and Norwegian æ ø: when the nearest language is one of the three and
 * the text has one pair and not the other, the letters decide (franc's models put "Hej, jag
 * beställde en telefon förra veckan…" in Danish).
 */
export function scandinavianLetters(sample: string, ranked: Array<[string, number]>): string | undefined {
  const best = ranked[0]![0];
  if (best !== 'swe' && best !== 'dan' && best !== 'nob') return undefined;
  const sv = SWEDISH_LETTERS.test(sample);
  const danoNorwegian = DANO_NORWEGIAN_LETTERS.test(sample);
  if (sv && !danoNorwegian) return 'swe';
  if (danoNorwegian && !sv && best === 'swe') return ranked.find(([code]) => code === 'dan' || code === 'nob')?.[0];
  return undefined;
}

/**
 * Indonesian and Malay share most of their words and franc's models score them within 0.01 of each
 * other. When they are the nearest two within ID_MS_MARGIN, words one of them uses and the other
 * does not (ours: "bisa", "akun", "kata sandi", "cek" / "boleh", "akaun", "kata laluan", "tak")
 * decide; without any, `und`.
 */
export const ID_MS_MARGIN = 0.05;
const INDONESIAN_ONLY = new Set([
  'bisa', 'akun', 'sandi', 'cek', 'padahal', 'nggak', 'enggak', 'gak', 'udah', 'aja', 'dong', 'kok', 'sih', 'banget', 'karena', 'mau',
  'uang', 'kapan', 'gimana', 'mobil', 'telepon', 'ponsel', 'kalian', 'silakan', 'coba', 'setelah', 'perbaiki', 'gratis', 'terimakasih',
]);
const MALAY_ONLY = new Set([
  'boleh', 'akaun', 'laluan', 'tak', 'nak', 'awak', 'encik', 'sahaja', 'kerana', 'mahu', 'wang', 'telefon', 'kereta', 'betul', 'percuma',
  'sila', 'hendak', 'cuba', 'macam', 'dah', 'lepas', 'sekejap', 'baiki', 'tu', 'ni',
]);
export function indonesianOrMalay(sample: string, ranked: Array<[string, number]>): string | undefined {
  const [best, second] = ranked;
  if (!second || second[1] < 1 - ID_MS_MARGIN) return undefined;
  const pair = new Set([best![0], second[0]]);
  if (!pair.has('ind') || !pair.has('zlm')) return undefined;
  let id = 0;
  let ms = 0;
  for (const w of sample.toLowerCase().split(/[^\p{L}]+/u)) {
    if (INDONESIAN_ONLY.has(w)) id++;
    if (MALAY_ONLY.has(w)) ms++;
  }
  return id > ms ? 'ind' : ms > id ? 'zlm' : 'und';
}
