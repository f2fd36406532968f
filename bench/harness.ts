/**
 * The bench itself (bench/run.ts starts it with the stack's stdout/stderr going to
 * bench/results/stack.log and prints the table). Writes bench/results/latest.json (latest-stripped.json
 * for --stripped).
 *
 *   --stripped   worker off, no acknowledgements, no logs or EMF (the old bench's variant)
 *   --only a,b   run only these parts: pure, sdk, ingest, lists, usage, recovery, responseTimes, bundles, cold, webhooks
 *   --quick      fewer repeats (a smoke run; figures are noisier)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStackOptions } from '../bin/local-stack.ts';
import { measureBundles } from './bundles.ts';
import { benchCold } from './cold.ts';
import { benchIngest } from './ingest.ts';
import { Recorder } from './instrument.ts';
import { benchLists } from './lists.ts';
import { phone, smsRequest, targetOf, timed } from './load.ts';
import { benchRecovery } from './outage.ts';
import { benchPure } from './pure.ts';
import { benchResponseTimes } from './response-times.ts';
import { benchSdk } from './sdk.ts';
import { progress, round } from './stats.ts';
import { measureUsage } from './usage.ts';
import { benchWebhooksOut } from './webhooks-out.ts';

const { values: args } = parseArgs({ options: { stripped: { type: 'boolean', default: false }, only: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const parts = new Set((args.only ?? 'pure,sdk,ingest,lists,usage,recovery,responseTimes,bundles,cold,webhooks').split(',').map((s) => s.trim()));
const q = args.quick;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** `npm start`'s stack: worker, acknowledgements, Powertools logs and EMF all on. */
const asStarted: Partial<LocalStackOptions> = { env: { ...process.env } };
const stripped: Partial<LocalStackOptions> = {
  env: { ...process.env, AUTO_ACK_ENABLED: 'false' },
  worker: false,
  overrides: () => ({ metrics: { emit: () => undefined }, log: quiet }),
};
const stackOpts = args.stripped ? stripped : asStarted;
const started = Date.now();
const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  node: process.version,
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB; shared and noisy: compare ratios within one run, not absolute numbers across runs`,
  variant: args.stripped ? 'stripped (worker off, no acks, no logs/EMF)' : 'as npm start runs it (worker, acks, Powertools logs and EMF on)',
  parts: [...parts],
};

if (parts.has('pure')) {
  progress('pure paths');
  results['pure'] = benchPure();
}

if (parts.has('sdk')) {
  progress('SDK CPU per call, default options vs ours');
  results['sdk'] = await benchSdk(q ? 3 : 7, q ? 500 : 1_500);
}

if (parts.has('ingest') || parts.has('lists') || parts.has('usage')) {
  const main = await startLocalStack({ ...stackOpts, port: 0 });
  try {
    const rec = new Recorder().attachDynamo(main.clients.dynamo).attachSqs(main.clients.sqs);
    rec.recording = false;
    progress('warming up the JIT and the JVM');
    const t = targetOf(main);
    for (let i = 0; i < 60; i++) await timed(t.baseUrl, smsRequest(t, phone(i)));
    const rssBefore = process.memoryUsage().rss;
    // Usage first, on quiet engines: after the rate runs the main stack's worker and table-stream
    // poller spend minutes on their backlog (acks, ~10k stream records) on the same engines and cores,
    // which made each usage webhook take over a second and inflated the cost estimate's durations.
    // Always as npm start runs it: the bill is for the deployed system.
    if (parts.has('usage')) results['usage'] = await measureUsage(main, asStarted, q ? 4 : 10);
    // Lists before ingest: seeding their tables ran ~6x slower after the rate runs (cause not pinned
    // down: neither the worker's queues nor the table-stream poller), and the ingest figures are ratios
    // to a floor measured on the same engines at the same time, so the seeded tables weigh on both.
    if (parts.has('lists')) results['lists'] = await benchLists(main, stackOpts, { sizes: [1000, q ? 10_000 : 100_000], rounds: q ? 2 : 5, perRound: q ? 3 : 6 });
    if (parts.has('ingest')) {
      // Five rounds of 30: a round's ratio moved by up to 0.35 between rounds of one run with three of 40.
      results['ingest'] = await benchIngest(main, rec, { rounds: q ? 2 : 5, perRound: q ? 15 : 30, ratePairs: q ? 1 : 2, rateSeconds: q ? 2 : 4, senders: [1, 8, 32] });
    }
    const rssAfter = process.memoryUsage().rss;
    results['memory'] = { rssMiBAfterWarmUp: round(rssBefore / 2 ** 20, 1), rssMiBAtEnd: round(rssAfter / 2 ** 20, 1) };
  } finally {
    await main.stop();
  }
}

if (parts.has('recovery')) {
  // The worker is what brings parked messages back, so it runs even in the stripped variant.
  results['recovery'] = await benchRecovery(args.stripped ? { ...stripped, worker: true } : asStarted, {
    perSecond: 20,
    beforeSeconds: 3,
    outageSeconds: 10,
    timeoutSeconds: 90,
  });
}

if (parts.has('webhooks')) {
  // Outbound webhooks (bench/webhooks-out.ts); the stream poller and delivery loop run with the worker, so always on.
  results['webhooksOut'] = await benchWebhooksOut({ ...stackOpts, worker: true }, { steady: q ? 30 : 100, perSecond: 10, rounds: q ? 1 : 3, burst: 200, senders: 16, burstRounds: q ? 1 : 3, timeoutSeconds: 60 });
}

if (parts.has('responseTimes')) {
  progress('response-time figures (bench/response-times.ts)');
  results['responseTimes'] = await benchResponseTimes();
}

if (parts.has('bundles')) {
  progress('bundles: size and init per function (bench/bundles.ts)');
  results['bundles'] = (await measureBundles({ runs: q ? 3 : 7 })).map(({ top: _top, topLazy: _lazy, ...f }) => f);
}

if (parts.has('cold')) {
  progress('cold starts: the bundles in fresh processes on the local engines (bench/cold.ts)');
  results['cold'] = await benchCold(q ? 3 : 7);
}

results['benchSeconds'] = Math.round((Date.now() - started) / 1000);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
// The stripped variant has its own file, so `npm run cost` keeps reading the figures of the stack as npm start runs it.
const outName = args.stripped ? 'latest-stripped.json' : 'latest.json';
writeFileSync(new URL(outName, dir), JSON.stringify(results, null, 2) + '\n');
progress(`wrote bench/results/${outName} in ${results['benchSeconds']} s`);
process.exit(0);
