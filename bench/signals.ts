/**
 * `node bench/signals.ts [--quick] [--extra DIR]`: language detectors compared on labelled
 * support messages (test/fixtures/signals/sentences.ts: 75 sentences in 16 languages including
 * Hausa, Welsh, Turkish, Yoruba, Igbo and Swahili; 27 held-out sentences; 23 short messages; 75
 * one-sentence messages, 40 of them English; 11 sentences in close pairs (Irish / Scots Gaelic,
 * Indonesian / Malay, Swedish / Danish / Norwegian); 10 inputs with no language),
 * and the cost of `detectSignals` (language + sentiment + abuse) per message.
 *
 * Per detector: sentences right / `und` / wrong, held-out sentences (27, written after our
 * thresholds were set) right / wrong, short messages right / `und` / wrong, no-language inputs
 * answered `und`, precision (right / (right + wrong), a no-language input answered with a language
 * counts as wrong) over all sets, the minified bundle
 * it adds (esbuild with lib/bundling.ts's options, an entry that imports only the detector), module
 * init (median of fresh processes importing that bundle) and µs per call (mean over the sentences,
 * after a warm-up). Codes are compared as ISO 639-1 (franc's 639-3 through iso-639-3, individual
 * languages to their macrolanguage: arb → ar, swh → sw).
 *
 * Also the bytes the signals add to each function's bundle (built as CDK builds it, against the
 * same build with a constant placeholder for core/signals).
 *
 * Installed candidates: ours (functions/core/signals/language.ts), franc, franc with `only`,
 * franc-min, tinyld (normal, heavy), eld (small, large). `--extra DIR` (a node_modules folder,
 * e.g. after `npm i --prefix /tmp/signals franc-all@7.2.0 languagedetect@2.0.0 cld3-asm@4.0.0`)
 * adds franc-all (all 419 languages and `only` ours), languagedetect and cld3-asm.
 * Writes bench/results/signals-latest.json. Not part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { iso6393To1 } from 'iso-639-3';
import { esbuildOptions, LAMBDA_ENTRIES } from '../lib/bundling.ts';
import { detectSignals } from '../functions/core/signals/index.ts';
import { LANGUAGES, MACROLANGUAGE } from '../functions/core/signals/languages.ts';
import { CLOSE_PAIRS, HELD_OUT, ONE_LINERS, SENTENCES, SHORT, UNSURE } from '../test/fixtures/signals/sentences.ts';
import { RESULTS_DIR } from './child.ts';
import { median, round } from './stats.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, extra: { type: 'string' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'node_modules', '.cache', 'bench-signals');
const run = promisify(execFile);
const INIT_RUNS = args.quick ? 3 : 7;
const CALL_ROUNDS = args.quick ? 3 : 20;

const MACRO_TO_1: Record<string, string> = Object.fromEntries(Object.entries(MACROLANGUAGE).map(([ind, macro]) => [ind, (iso6393To1 as Record<string, string>)[macro]!]));
const to1 = (code: string | undefined): string => (!code || code === 'und' ? 'und' : ((iso6393To1 as Record<string, string>)[code] ?? MACRO_TO_1[code] ?? code));

interface Candidate {
  readonly name: string;
  readonly note: string;
  /** Module source for the size and init figures (imports resolve from the project, or `nodePaths`). */
  readonly entry: string;
  readonly nodePaths?: readonly string[];
  readonly load: () => Promise<(text: string) => string>;
}

const ours = pathToFileURL(join(root, 'functions/core/signals/language.ts')).href;
const only = LANGUAGES.filter((c) => c !== 'cym'); // franc (6.2) has no Welsh model
const candidates: Candidate[] = [
  {
    name: 'ours (franc method + function words, franc-all models, 58 languages)',
    note: 'functions/core/signals/language.ts',
    entry: `import { detectLanguage } from ${JSON.stringify(fileURLToPath(ours))}; export default detectLanguage;`,
    load: async () => (await import(ours)).detectLanguage,
  },
  {
    name: 'franc 6.2 (187 languages)',
    note: 'no Welsh model',
    entry: `import { franc } from 'franc'; export default franc;`,
    load: async () => {
      const { franc } = await import('franc');
      return (t) => to1(franc(t));
    },
  },
  {
    name: 'franc 6.2, only our list',
    note: 'no Welsh model',
    entry: `import { franc } from 'franc'; export default franc;`,
    load: async () => {
      const { franc } = await import('franc');
      return (t) => to1(franc(t, { only }));
    },
  },
  {
    name: 'franc-min 6.2 (82 languages)',
    note: 'no Welsh model',
    entry: `import { franc } from 'franc-min'; export default franc;`,
    load: async () => {
      const { franc } = await import('franc-min');
      return (t) => to1(franc(t));
    },
  },
  {
    name: 'tinyld 1.3 (normal)',
    note: 'no Welsh, Hausa, Yoruba, Igbo, Swahili',
    entry: `import { detect } from 'tinyld'; export default detect;`,
    load: async () => {
      const { detect } = await import('tinyld');
      return (t) => detect(t) || 'und';
    },
  },
  {
    name: 'tinyld 1.3 (heavy)',
    note: 'same languages, larger model',
    entry: `import { detect } from 'tinyld/heavy'; export default detect;`,
    load: async () => {
      const { detect } = await import('tinyld/heavy');
      return (t) => detect(t) || 'und';
    },
  },
  {
    name: 'eld 2.1 (small)',
    note: 'no Welsh, Hausa, Igbo, Swahili',
    entry: `import { eld } from 'eld/small'; export default eld;`,
    load: async () => {
      const { eld } = await import('eld/small');
      return (t) => eld.detect(t).language || 'und';
    },
  },
  {
    name: 'eld 2.1 (large)',
    note: 'same languages, larger model',
    entry: `import { eld } from 'eld/large'; export default eld;`,
    load: async () => {
      const { eld } = await import('eld/large');
      return (t) => eld.detect(t).language || 'und';
    },
  },
];

if (args.extra) {
  const dir = args.extra;
  const req = createRequire(join(dir, 'noop.js'));
  const francAllUrl = pathToFileURL(join(dir, 'franc-all/index.js')).href;
  candidates.push(
    {
      name: 'franc-all 7.2 (419 languages)',
      note: 'not installed in the project',
      entry: `import { franc } from 'franc-all'; export default franc;`,
      nodePaths: [dir],
      load: async () => {
        const { franc } = await import(francAllUrl);
        return (t: string) => to1(franc(t));
      },
    },
    {
      name: 'franc-all 7.2, only our list',
      note: 'what ours reproduces, with all 419 models bundled',
      entry: `import { franc } from 'franc-all'; export default franc;`,
      nodePaths: [dir],
      load: async () => {
        const { franc } = await import(francAllUrl);
        return (t: string) => to1(franc(t, { only: [...LANGUAGES] }));
      },
    },
    {
      name: 'languagedetect 2.0 (52 languages)',
      note: 'no Yoruba, Igbo; last release 2017',
      entry: `import L from 'languagedetect'; export default L;`,
      nodePaths: [dir],
      load: async () => {
        const LanguageDetect = req('languagedetect');
        const ld = new LanguageDetect();
        ld.setLanguageType('iso2');
        return (t: string) => (ld.detect(t, 1)[0]?.[0] as string | undefined) ?? 'und';
      },
    },
    {
      name: 'cld3-asm 4.0 (CLD3, WebAssembly)',
      note: 'asynchronous load; is_reliable false → und',
      entry: `import { loadModule } from 'cld3-asm'; export default loadModule;`,
      nodePaths: [dir],
      load: async () => {
        const { loadModule } = req('cld3-asm');
        const id = (await loadModule()).create(0, 2000);
        return (t: string) => {
          const r = id.findLanguage(t);
          return r.is_reliable ? r.language : 'und';
        };
      },
    },
  );
}

interface Tally {
  right: number;
  und: number;
  wrong: number;
  misses: string[];
}
function tally(detect: (t: string) => string, set: readonly { lang: string; text: string }[]): Tally {
  const t: Tally = { right: 0, und: 0, wrong: 0, misses: [] };
  for (const s of set) {
    const got = detect(s.text);
    if (got === s.lang) t.right++;
    else if (got === 'und' || got === '') t.und++;
    else {
      t.wrong++;
      t.misses.push(`${s.lang}→${got}`);
    }
  }
  return t;
}

async function bundle(name: string, entry: string, nodePaths?: readonly string[]): Promise<{ bytes: number; initMs: number }> {
  mkdirSync(outDir, { recursive: true });
  const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const src = join(outDir, `${slug}.entry.mjs`);
  writeFileSync(src, entry);
  const outfile = join(outDir, `${slug}.mjs`);
  await build({ ...esbuildOptions(src, outfile, { splitting: false }), ...(nodePaths ? { nodePaths: [...nodePaths] } : {}) });
  const times: number[] = [];
  for (let i = 0; i < INIT_RUNS; i++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(outfile).href)}); console.log(performance.now() - t);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    times.push(Number(stdout.trim()));
  }
  return { bytes: statSync(outfile).size, initMs: round(median(times), 1) };
}

function microsPerCall(fn: (t: string) => unknown, texts: readonly string[], rounds: number): number {
  for (const t of texts) fn(t); // warm-up (and lazy init)
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const t of texts) fn(t);
  return round(Number(process.hrtime.bigint() - start) / 1000 / (rounds * texts.length), 1);
}

// detectSignals end to end: a 2,000-character message (sentences of every language, cut), a short one.
const long = SENTENCES.map((s) => s.text).join(' ').slice(0, 2000);
const huge = long.repeat(500); // 1 MB: the bound makes it cost what 2,000 characters do
const signals = {
  usPer2000CharMessage: microsPerCall((t) => detectSignals({ text: t }), [long], CALL_ROUNDS * 20),
  usPer1MbMessage: microsPerCall((t) => detectSignals({ text: t }), [huge], CALL_ROUNDS * 5),
  usPerShortMessage: microsPerCall((t) => detectSignals({ text: t }), SHORT.map((s) => s.text), CALL_ROUNDS * 5),
  bundle: await bundle('detectSignals', `export { detectSignals } from ${JSON.stringify(join(root, 'functions/core/signals/index.ts'))};`),
  firstCallMs: await (async () => {
    const script = `const { detectSignals } = await import(${JSON.stringify(pathToFileURL(join(outDir, 'detectsignals.mjs')).href)}); const t = performance.now(); detectSignals({ text: 'You are useless, my order never arrived and nobody answers.' }); console.log(performance.now() - t);`;
    const times: number[] = [];
    for (let i = 0; i < INIT_RUNS; i++) times.push(Number((await run(process.execPath, ['--input-type=module', '-e', script])).stdout.trim()));
    return round(median(times), 1);
  })(),
};

const rows = [];
for (const c of candidates) {
  let detect: (t: string) => string;
  try {
    detect = await c.load();
  } catch (e) {
    console.error(`${c.name}: ${(e as Error).message}`);
    continue;
  }
  const sentences = tally(detect, SENTENCES);
  const short = tally(detect, SHORT);
  const heldOut = tally(detect, HELD_OUT);
  const oneLiners = tally(detect, ONE_LINERS);
  const closePairs = tally(detect, CLOSE_PAIRS);
  const noLanguage = UNSURE.filter((t) => ['und', ''].includes(detect(t))).length;
  const { bytes, initMs } = await bundle(c.name, c.entry, c.nodePaths);
  const right = sentences.right + heldOut.right + short.right + oneLiners.right + closePairs.right;
  const wrong = sentences.wrong + heldOut.wrong + short.wrong + oneLiners.wrong + closePairs.wrong + (UNSURE.length - noLanguage);
  const row = {
    name: c.name,
    note: c.note,
    sentences: `${sentences.right}/${SENTENCES.length}`,
    sentencesUnd: sentences.und,
    sentencesWrong: sentences.wrong,
    heldOut: `${heldOut.right}/${HELD_OUT.length}`,
    heldOutWrong: heldOut.wrong,
    short: `${short.right}/${SHORT.length}`,
    shortUnd: short.und,
    shortWrong: short.wrong,
    oneLiners: `${oneLiners.right}/${ONE_LINERS.length}`,
    oneLinersWrong: oneLiners.wrong,
    closePairs: `${closePairs.right}/${CLOSE_PAIRS.length}`,
    closePairsWrong: closePairs.wrong,
    noLanguageUnd: `${noLanguage}/${UNSURE.length}`,
    precision: round(right / (right + wrong), 3),
    kb: round(bytes / 1000, 0),
    initMs,
    usPerCall: microsPerCall(detect, SENTENCES.map((s) => s.text), CALL_ROUNDS),
    misses: [
      ...sentences.misses,
      ...heldOut.misses.map((m) => `held-out ${m}`),
      ...short.misses.map((m) => `short ${m}`),
      ...oneLiners.misses.map((m) => `one-liner ${m}`),
      ...closePairs.misses.map((m) => `close pair ${m}`),
    ],
  };
  rows.push(row);
  console.error(`${row.name}: ${row.sentences} sentences, ${row.heldOut} held out, ${row.short} short, ${row.oneLiners} one-liners (${row.oneLinersWrong} wrong), ${row.closePairs} close pairs, precision ${row.precision}, ${row.kb} KB, ${row.usPerCall} µs`);
}

// What the signals add to each function that imports them: its bundle against one built with the
// placeholder module (constant answers, the state before signals).
const PLACEHOLDER = `export function detectSignals() { return { language: 'und', sentiment: 0, abusive: false }; }`;
const functionBytes: Record<string, { withSignals: number; placeholder: number; addedKb: number }> = {};
for (const fn of ['webhook', 'api', 'worker'] as const) {
  const sizes: number[] = [];
  for (const placeholder of [false, true]) {
    const outfile = join(outDir, `${fn}-${placeholder ? 'placeholder' : 'signals'}.mjs`);
    await build({
      ...esbuildOptions(join(root, 'functions', LAMBDA_ENTRIES[fn]), outfile, { splitting: false }),
      plugins: placeholder
        ? [
            {
              name: 'signals-placeholder',
              setup(b) {
                b.onResolve({ filter: /signals\/index\.ts$/ }, () => ({ path: 'placeholder', namespace: 'signals' }));
                b.onLoad({ filter: /.*/, namespace: 'signals' }, () => ({ contents: PLACEHOLDER, loader: 'js' }));
              },
            },
          ]
        : [],
    });
    sizes.push(statSync(outfile).size);
  }
  functionBytes[fn] = { withSignals: sizes[0]!, placeholder: sizes[1]!, addedKb: round((sizes[0]! - sizes[1]!) / 1000, 0) };
}

console.table(rows.map(({ misses: _m, note: _n, ...r }) => r));
console.table(functionBytes);
console.log('detectSignals:', JSON.stringify(signals));
mkdirSync(RESULTS_DIR, { recursive: true });
const out = fileURLToPath(new URL('signals-latest.json', RESULTS_DIR));
writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), node: process.version, quick: args.quick, detectors: rows, signals, functionBytes }, null, 2));
console.log(`wrote ${out}`);
