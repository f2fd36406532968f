/**
 * Bundle size and module-init time per Lambda, built exactly as `cdk synth` builds them (the
 * options come from lib/bundling.ts, which lib/functions.ts uses too).
 *
 *   node bench/bundles.ts            # the figures, as a table and JSON
 *   node bench/bundles.ts --top      # plus the largest inputs of each bundle
 *
 * Size: the minified output. With code splitting (lib/bundling.ts) a function is index.mjs plus
 * chunks/: `initKb` is what `import('index.mjs')` parses (the entry and every chunk it imports
 * statically), `kb` is every .mjs file of the asset (what is deployed; lazily imported chunks are
 * parsed only when first used). The source map, when there is one, is reported apart.
 * Init: wall time of `await import(bundle)` in a fresh `node` process with a fake environment
 * (STAGE=local, queue URLs, region) and the functions' NODE_OPTIONS; median of 7 processes.
 * First request: in the same process, the handler's answer to a request that needs no I/O
 * (NO_IO_EVENTS): what building the function's runtime (config, clients, ports) costs a cold start.
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
 * | triage + voice (issues 15, 16), one file each   | 1673 KB, 138 ms   | 1544 KB, 143 ms  | 1529 KB, 118 ms  |
 * | ESM code splitting + lazy imports (chosen):     |                   |                  |                  |
 * |   parsed at init / all files                   | 616 / 1806 KB, 75 | 860 / 1662, 112  | 636 / 1694, 73   |
 * | zone offsets from Intl, not luxon (chosen)      | 546 / 1736 KB, 65 | 668 / 1592, 91   | 566 / 1624, 72   |
 * | node:http via process.getBuiltinModule (chosen) | (no node:http)    | 98 -> 88 ms      | (no node:http)   |
 *   (same run: dispatcher 77 -> 65, delivery 81 -> 68 ms; Node 24's ESM namespace of node:http loads undici)
 * | api route modules on first request (chosen)    | –                 | 655 -> 554 KB    | –                |
 * | Secrets Manager only with PROVIDER_SECRETS_ARN  | 547 -> 533 KB     | (in the above)   | 566 -> 553 KB    |
 *   (side by side, 15 alternating processes each, 14:52: api 78.9 -> 68.6 ms, and 80.5 ms with the tickets module's
 *   chunk loaded after init (a cold ticket request: as before); loading the tickets module at init instead: 79.4 ms.
 *   Earlier, 11 alternating processes each on a box ~40% slower than usual: api 118.6 -> 104.6 ms,
 *   dispatcher 86.3 -> 79.6 ms (444 -> 432 KB; the secret client alone). Deployed, the webhook, api and worker
 *   still load the Secrets Manager chunk at their first config load: only the outbound-webhook functions save it.)
 *
 * | zod without its JIT (ZOD_JITLESS, chosen)      | first request 14.3 -> 9.2 ms | 15.8 -> 11.5   | 15.4 -> 12.0     |
 *   (side by side, 15 alternating fresh processes each, 16:20: init + first request without I/O, NO_IO_EVENTS:
 *   webhook 86.7 -> 80.8 ms, api 99.0 -> 88.5, worker 86.1 -> 80.7, dispatcher 81.6 -> 72.3, delivery 83.3 -> 75.5.
 *   zod compiled a parser with `new Function` for each object schema's first parse: the configuration,
 *   each provider's payload, each route's body, mostly parsed once per container.)
 * | rules' zod schemas only in the rules/teams routes | 65.6 -> 63.6 ms  | 76.3 -> 74.1 ms  | 67.7 -> 64.2 ms  |
 *   (side by side, 15 alternating processes each, 17:03; core/rules/model.ts has what init needs)
 *
 * Splitting: what a function reaches only through `await import()` is a chunk parsed on first use.
 * Made lazy: the provider modules (channels/registry.ts: one loader per route), MIME, multipart and
 * HTML parsing (with their provider), the signal detectors (first inbound message), RE2 (a rule with
 * a pattern), the S3 and SES clients (adapters/lazy-client.ts), jose (Vonage downloads), the voice
 * services and libphonenumber (call events, voice replies, contact lookups), the console's assets.
 * The first request that needs a chunk pays for it once per container (FIRST_USE below: a Twilio SMS
 * ~20 ms, a SendGrid email ~35 ms, an X CRC ~2 ms). Dispatcher and delivery: 514 -> 444 KB (luxon).
 *
 * Where the remaining init goes (probes, one file each, median of 9, 2026-11-25): DynamoDB + SQS +
 * Secrets Manager clients 241 KB / 36 ms, zod 90 KB / 12 ms, Powertools logger + metrics 34 KB / 11 ms,
 * an empty module 4 ms; the first Intl.DateTimeFormat with a time zone costs ~14 ms (ICU data), paid
 * by whichever request first needs a business calendar. Earlier probes: the SDK clients the api loads
 * (DynamoDB + lib-dynamodb, SQS, S3 + presigner, Secrets Manager) 72 ms (109 ms from node_modules),
 * DynamoDB + SQS alone 59 ms, S3 alone 89 ms; config (zod schemas, luxon) 39 ms; the ten channel
 * modules 51 ms; html-to-text 18 ms; an empty module 5 ms.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
  /** Every .mjs file of the asset, bytes and KB (1000 bytes, as esbuild and the targets count). */
  readonly bytes: number;
  readonly kb: number;
  /** What module init parses: index.mjs and the chunks it imports statically. */
  readonly initBytes: number;
  readonly initKb: number;
  /** Output files (index.mjs + chunks). */
  readonly files: number;
  readonly sourceMapBytes?: number;
  /** Median import time (wall clock) over `runs` fresh processes, ms. */
  readonly initMs: number;
  readonly initRunsMs: readonly number[];
  /** Median CPU time (user + system) of the same imports, ms: steadier than wall time on a busy machine. */
  readonly initCpuMs: number;
  /** Median ms, in the same processes, of the first request after init that needs no I/O (NO_IO_EVENTS): building the function's runtime. */
  readonly firstRequestMs: number;
  /** Median ms the first request of each kind spends loading its lazy chunks after init (FIRST_USE). */
  readonly firstUseMs: Readonly<Record<string, number>>;
  /** Largest inputs (package or first-party file) by bytes in what init parses, and in the lazy chunks. */
  readonly top: ReadonlyArray<{ readonly input: string; readonly bytes: number }>;
  readonly topLazy: ReadonlyArray<{ readonly input: string; readonly bytes: number }>;
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

export const FAKE_ENV = {
  STAGE: 'local',
  FOLLOWUP_QUEUE_URL: 'http://localhost:1/000000000000/followup',
  INGEST_QUEUE_URL: 'http://localhost:1/000000000000/ingest',
  WEBHOOK_QUEUE_URL: 'http://localhost:1/000000000000/webhook-delivery',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
};

/** An API Gateway HTTP API (v2) event, as the deployed routes deliver it (bench/cold.ts builds its requests with it too). */
export function httpEvent(method: 'GET' | 'POST', path: string, routeKey = '$default', o: { headers?: Record<string, string>; body?: string; pathParameters?: Record<string, string> } = {}) {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'hooks.example.test', 'x-forwarded-proto': 'https', ...o.headers },
    ...(o.pathParameters ? { pathParameters: o.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'hooks.example.test',
      domainPrefix: 'hooks',
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'bench' },
    },
    isBase64Encoded: false,
    ...(o.body !== undefined ? { body: o.body } : {}),
  };
}

/**
 * A first request each function answers without any I/O, after building its runtime (configuration,
 * clients, ports): a webhook for an unknown provider (404), an unknown API path (404), an empty SQS
 * batch. Init + this is the least a cold start costs before the request's own work. FAKE_ENV has no
 * PROVIDER_SECRETS_ARN: deployed, building the runtime also reads the provider secret (I/O).
 */
export const NO_IO_EVENTS: Readonly<Record<BundledFunction, { readonly event: unknown; readonly expect: string }>> = {
  webhook: { event: httpEvent('POST', '/webhooks/no-such-provider'), expect: '"statusCode":404' },
  api: { event: httpEvent('GET', '/v1/no-such-route'), expect: '"statusCode":404' },
  worker: { event: { Records: [] }, expect: '{"batchItemFailures":[]}' },
  dispatcher: { event: { Records: [] }, expect: '{"batchItemFailures":[]}' },
  delivery: { event: { Records: [] }, expect: '{"batchItemFailures":[]}' },
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

/** The output files `import(entry)` evaluates: the entry and its static imports, transitively. */
export function initClosure(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const k = todo.pop()!;
    if (seen.has(k) || !meta.outputs[k]) continue;
    seen.add(k);
    for (const i of meta.outputs[k].imports) if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
  }
  return seen;
}

function topInputs(meta: Metafile, keep: (output: string) => boolean, n = 12): Array<{ input: string; bytes: number }> {
  const by = new Map<string, number>();
  for (const [name, out] of Object.entries(meta.outputs)) {
    if (!keep(name)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) by.set(owner(input), (by.get(owner(input)) ?? 0) + bytesInOutput);
  }
  return [...by].map(([input, bytes]) => ({ input, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, n);
}

/**
 * What the first request of a common kind parses on top of init: the lazy chunks split at these
 * modules (matched against esbuild's `entryPoint` of each chunk), and what they import in turn.
 * Cold start for such a request = init + this (+ the request's own work).
 */
const FIRST_USE: Partial<Record<BundledFunction, Readonly<Record<string, readonly string[]>>>> = {
  webhook: {
    'Twilio SMS': ['functions/channels/twilio/index.ts', 'functions/core/signals/index.ts'],
    'SendGrid email (multipart + MIME)': ['functions/channels/sendgrid/index.ts', 'busboy', 'postal-mime', 'functions/core/signals/index.ts'],
    'X CRC handshake': ['functions/channels/x/index.ts'],
  },
  api: { 'ticket route (list, read, reply)': ['functions/api/routes/tickets.ts'], 'console page': ['functions/api/routes/console.ts', 'functions/api/console/served.ts'], 'OpenAPI document': ['functions/api/routes/meta.ts', 'functions/api/openapi.ts'] },
  worker: { 'email reply (SES)': ['mail-composer', '@aws-sdk/client-sesv2'] },
};

/** The lazy chunks a first request of each kind imports (absolute paths), for the init runs. */
function firstUseChunks(meta: Metafile, fn: BundledFunction): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [label, parts] of Object.entries(FIRST_USE[fn] ?? {})) {
    out[label] = parts.map((part) => {
      const hit = Object.entries(meta.outputs).find(([, o]) => o.entryPoint?.includes(part));
      if (!hit) throw new Error(`${fn}: no lazy chunk is split at ${part} (update FIRST_USE in bench/bundles.ts)`);
      return resolve(root, hit[0]);
    });
  }
  return out;
}

async function initTimeMs(
  file: string,
  nodeOptions: string,
  firstUse: Record<string, string[]>,
  request: (typeof NO_IO_EVENTS)[BundledFunction],
): Promise<{ wall: number; cpu: number; firstRequest: number; firstUse: Record<string, number> }> {
  // Init, then the no-I/O first request, in one process; each first-use set in a process of its own
  // after init (chunks are cached once loaded).
  const base = await initRun(file, nodeOptions, [], request);
  const extra: Record<string, number> = {};
  for (const [label, chunks] of Object.entries(firstUse)) extra[label] = (await initRun(file, nodeOptions, chunks)).then;
  return { wall: base.wall, cpu: base.cpu, firstRequest: base.then, firstUse: extra };
}

/** A fresh process: `await import(file)` (wall and CPU), then either import `then` or answer `request`, timed apart. */
async function initRun(file: string, nodeOptions: string, then: readonly string[], request?: (typeof NO_IO_EVENTS)[BundledFunction]): Promise<{ wall: number; cpu: number; then: number }> {
  const more = request
    ? `const r=JSON.stringify(await m.handler(${JSON.stringify(request.event)},{getRemainingTimeInMillis:()=>10000,awsRequestId:'bench',functionName:'bench'}));if(!r.includes(${JSON.stringify(request.expect)}))throw new Error('unexpected answer: '+r.slice(0,300));`
    : then.map((c) => `await import(${JSON.stringify(pathToFileURL(c).href)});`).join('');
  const script = `const c=process.cpuUsage(),t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(file).href)});const w=performance.now()-t,u=process.cpuUsage(c);const t2=performance.now();${more}const th=performance.now()-t2;process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1000,then:th}));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env['PATH'] ?? '', ...FAKE_ENV, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    cwd: dirname(file),
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return JSON.parse(stdout) as { wall: number; cpu: number; then: number };
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
    rmSync(dirname(outfile), { recursive: true, force: true }); // no stale chunks from an earlier build
    mkdirSync(dirname(outfile), { recursive: true });
    const r = await build({ ...esbuildOptions(join(root, 'functions', ENTRIES[fn]), outfile, opts.overrides), metafile: true, absWorkingDir: root });
    const code = Object.keys(r.metafile.outputs).filter((o) => o.endsWith('.mjs'));
    const entry = code.find((o) => resolve(root, o) === outfile)!;
    const atInit = initClosure(r.metafile, entry);
    const sizeOf = (os: Iterable<string>) => [...os].reduce((a, o) => a + statSync(resolve(root, o)).size, 0);
    const bytes = sizeOf(code);
    const initBytes = sizeOf(atInit);
    const initRunsMs: number[] = [];
    const cpuRunsMs: number[] = [];
    const firstRequestRunsMs: number[] = [];
    const firstUseRuns: Record<string, number[]> = {};
    const chunks = firstUseChunks(r.metafile, fn);
    for (let i = 0; i < runs; i++) {
      const t = await initTimeMs(outfile, nodeOptions, chunks, NO_IO_EVENTS[fn]);
      initRunsMs.push(t.wall);
      cpuRunsMs.push(t.cpu);
      firstRequestRunsMs.push(t.firstRequest);
      for (const [label, ms] of Object.entries(t.firstUse)) (firstUseRuns[label] ??= []).push(ms);
    }
    out.push({
      fn,
      bytes,
      kb: Math.round(bytes / 100) / 10,
      initBytes,
      initKb: Math.round(initBytes / 100) / 10,
      files: code.length,
      ...(choices.sourceMap ? { sourceMapBytes: statSync(`${outfile}.map`).size } : {}),
      initMs: Math.round(median(initRunsMs) * 10) / 10,
      initRunsMs: initRunsMs.map((x) => Math.round(x * 10) / 10),
      initCpuMs: Math.round(median(cpuRunsMs) * 10) / 10,
      firstRequestMs: Math.round(median(firstRequestRunsMs) * 10) / 10,
      firstUseMs: Object.fromEntries(Object.entries(firstUseRuns).map(([label, xs]) => [label, Math.round(median(xs) * 10) / 10])),
      top: topInputs(r.metafile, (o) => atInit.has(o)),
      topLazy: topInputs(r.metafile, (o) => o.endsWith('.mjs') && !atInit.has(o)),
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await measureBundles();
  console.log('function  parsed at init (KB)  all files (KB)  files  init median (ms)  init CPU median (ms)  first request, no I/O (ms)  runs (ms)');
  for (const f of figures) {
    console.log(`${f.fn.padEnd(10)} ${String(f.initKb).padStart(18)}  ${String(f.kb).padStart(14)}  ${String(f.files).padStart(5)}  ${String(f.initMs).padStart(15)}  ${String(f.initCpuMs).padStart(20)}  ${String(f.firstRequestMs).padStart(26)}  ${f.initRunsMs.join(' ')}`);
  }
  for (const f of figures) for (const [label, ms] of Object.entries(f.firstUseMs)) console.log(`  ${f.fn}: first ${label} loads its chunks in ${ms} ms more`);
  if (process.argv.includes('--top')) {
    const list = (xs: BundleFigures['top']) => xs.map((t) => `  ${(t.bytes / 1000).toFixed(1).padStart(8)} KB  ${t.input}`).join('\n');
    for (const f of figures) console.log(`\n${f.fn}, parsed at init:\n${list(f.top)}\n${f.fn}, lazy chunks:\n${list(f.topLazy)}`);
  }
  console.log(JSON.stringify(figures.map(({ top: _top, topLazy: _lazy, ...f }) => f)));
}
