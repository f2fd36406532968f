/**
 * Bundle size and module-init time per Lambda, built exactly as `cdk synth` builds them (the
 * options come from lib/bundling.ts, which lib/functions.ts uses too).
 *
 *   node bench/bundles.ts            # the figures, as a table and JSON
 *   node bench/bundles.ts --top      # plus the largest inputs of each bundle
 *
 * Size: the minified index.mjs (the source map, when there is one, is reported apart).
 * Init: wall time of `await import(bundle)` in a fresh `node` process with a fake environment
 * (STAGE=local, queue URLs, region) and the functions' NODE_OPTIONS; median of 7 processes.
 * Bundles with the SDK external are written inside the project so `@aws-sdk/*` resolves from
 * node_modules, as the runtime's copy does from /var/runtime/node_modules.
 *
 * Figures (2-core shared machine, so ±10-20 ms between runs; KB = 1000 bytes):
 *
 * | step                                           | webhook           | api              | worker           |
 * |------------------------------------------------|-------------------|------------------|------------------|
 * | before: one runtime, SDK external, source maps | 1271 KB, 245 ms   | 782 KB, 199 ms   | 793 KB, 204 ms   |
 * | (same bundles without --enable-source-maps)    | 191 ms            | 170 ms           | 163 ms           |
 * | per-function wiring                            | 1107 KB, 206 ms   | 636 KB, 185 ms   | 772 KB, 184 ms   |
 * | `import * as z` (tree-shakes zod, no locales)  | 753 KB            | 284 KB           | 420 KB           |
 * | lazy postal-mime, busboy, nodemailer           | 754 KB            | 284 KB           | 421 KB           |
 * | SDK external, no source maps                   | 754 KB, 141 ms    | 284 KB, 119 ms   | 421 KB, 115 ms   |
 * | SDK bundled, no source maps (chosen)           | 1286 KB, 131 ms   | 815 KB, 102 ms   | 873 KB, 94 ms    |
 * | SDK bundled + keepNames                        | 1349 KB, 136 ms   | 862 KB, 108 ms   | 919 KB, 96 ms    |
 * | credential chain env + container only (chosen) | 1174 KB           | 706 KB           | 758 KB           |
 *
 * Where the remaining init goes (probes, bundled, median of 9): the SDK clients the api loads
 * (DynamoDB + lib-dynamodb, SQS, S3 + presigner, Secrets Manager) 72 ms (109 ms from node_modules),
 * DynamoDB + SQS alone 59 ms, S3 alone 89 ms; config (zod schemas, luxon) 39 ms; the ten channel
 * modules 51 ms; html-to-text 18 ms; an empty module 5 ms.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { BUNDLING, LAMBDA_ENTRIES, WEBHOOKS_OUT_ENTRIES, esbuildOptions } from '../lib/bundling.ts';
import type { LambdaName } from '../lib/settings.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Every function CDK builds: the three of lib/functions.ts and the two outbound-webhook ones. */
const ENTRIES: Readonly<Record<BundledFunction, string>> = { ...LAMBDA_ENTRIES, ...WEBHOOKS_OUT_ENTRIES };
export type BundledFunction = LambdaName | keyof typeof WEBHOOKS_OUT_ENTRIES;

export interface BundleFigures {
  readonly fn: BundledFunction;
  /** Minified index.mjs, bytes and KB (1000 bytes, as esbuild and the targets count). */
  readonly bytes: number;
  readonly kb: number;
  readonly sourceMapBytes?: number;
  /** Median import time (wall clock) over `runs` fresh processes, ms. */
  readonly initMs: number;
  readonly initRunsMs: readonly number[];
  /** Median CPU time (user + system) of the same imports, ms: steadier than wall time on a busy machine. */
  readonly initCpuMs: number;
  /** Largest inputs (package or first-party file) by bytes in the output. */
  readonly top: ReadonlyArray<{ readonly input: string; readonly bytes: number }>;
}

export interface MeasureOptions {
  readonly runs?: number;
  readonly functions?: readonly BundledFunction[];
  /** Try other bundling choices than lib/bundling.ts's (the bench never changes what CDK builds). */
  readonly overrides?: Partial<typeof BUNDLING>;
  /** NODE_OPTIONS for the init runs; defaults to what the functions get (lib/bundling.ts). */
  readonly nodeOptions?: string;
  readonly outDir?: string;
}

const FAKE_ENV = {
  STAGE: 'local',
  FOLLOWUP_QUEUE_URL: 'http://localhost:1/000000000000/followup',
  INGEST_QUEUE_URL: 'http://localhost:1/000000000000/ingest',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `node_modules/<pkg>` (scoped too) for a dependency, else the first-party path. */
const owner = (input: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? m[1]! : input;
};

function topInputs(meta: Metafile, n = 12): Array<{ input: string; bytes: number }> {
  const by = new Map<string, number>();
  for (const out of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) by.set(owner(input), (by.get(owner(input)) ?? 0) + bytesInOutput);
  }
  return [...by].map(([input, bytes]) => ({ input, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, n);
}

async function initTimeMs(file: string, nodeOptions: string): Promise<{ wall: number; cpu: number }> {
  const script = `const c=process.cpuUsage(),t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});const w=performance.now()-t,u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1000}));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env['PATH'] ?? '', ...FAKE_ENV, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    cwd: dirname(file),
  });
  return JSON.parse(stdout) as { wall: number; cpu: number };
}

/** Build each function as CDK does and measure it. Runs the init processes one at a time (no contention). */
export async function measureBundles(opts: MeasureOptions = {}): Promise<BundleFigures[]> {
  const runs = opts.runs ?? 7;
  const choices = { ...BUNDLING, ...opts.overrides };
  const nodeOptions = opts.nodeOptions ?? (choices.sourceMap ? '--enable-source-maps' : '');
  const outDir = opts.outDir ?? join(root, 'node_modules', '.cache', 'bench-bundles');
  const out: BundleFigures[] = [];
  for (const fn of opts.functions ?? (Object.keys(ENTRIES) as BundledFunction[])) {
    const outfile = join(outDir, fn, 'index.mjs');
    mkdirSync(dirname(outfile), { recursive: true });
    const r = await build({ ...esbuildOptions(join(root, 'functions', ENTRIES[fn]), outfile, opts.overrides), metafile: true, absWorkingDir: root });
    const bytes = statSync(outfile).size;
    const initRunsMs: number[] = [];
    const cpuRunsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await initTimeMs(outfile, nodeOptions);
      initRunsMs.push(t.wall);
      cpuRunsMs.push(t.cpu);
    }
    out.push({
      fn,
      bytes,
      kb: Math.round(bytes / 100) / 10,
      ...(choices.sourceMap ? { sourceMapBytes: statSync(`${outfile}.map`).size } : {}),
      initMs: Math.round(median(initRunsMs) * 10) / 10,
      initRunsMs: initRunsMs.map((x) => Math.round(x * 10) / 10),
      initCpuMs: Math.round(median(cpuRunsMs) * 10) / 10,
      top: topInputs(r.metafile),
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await measureBundles();
  console.log('function  size (KB)  init median (ms)  init CPU median (ms)  runs (ms)');
  for (const f of figures) console.log(`${f.fn.padEnd(10)} ${String(f.kb).padStart(9)}  ${String(f.initMs).padStart(16)}  ${String(f.initCpuMs).padStart(20)}  ${f.initRunsMs.join(' ')}`);
  if (process.argv.includes('--top')) {
    for (const f of figures) console.log(`\n${f.fn}:\n${f.top.map((t) => `  ${(t.bytes / 1000).toFixed(1).padStart(8)} KB  ${t.input}`).join('\n')}`);
  }
  console.log(JSON.stringify(figures.map(({ top: _top, ...f }) => f)));
}
