/**
 * `npm run cost -- --messages 1000000 [--mix sms=0.5,whatsapp=0.3,email=0.2] [--per-ticket 3] [--sla-hops 4]
 *   [--results bench/results/latest.json] [--prices bench/prices-2026-11.json]`
 *
 * The monthly AWS bill for a traffic mix, from what `npm run bench` measured per message (the
 * `usage` part of bench/results/latest.json: DynamoDB units from ReturnConsumedCapacity, SQS requests,
 * Lambda invocations and durations, log/EMF bytes) and a dated price table. Prints one line per
 * service and the cost per 1,000 messages. Assumptions are printed with the figures.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { estimate, newestDatedRun, type Channel, type PerMessage, type Prices } from '../bench/cost-model.ts';

const root = new URL('..', import.meta.url);
const { values: v } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    mix: { type: 'string', default: 'sms=0.5,whatsapp=0.3,email=0.2' },
    'per-ticket': { type: 'string', default: '3' },
    'sla-hops': { type: 'string', default: '4' },
    results: { type: 'string', default: 'bench/results/latest.json' },
    prices: { type: 'string' },
  },
});

const messages = Number(v.messages);
const perTicket = Number(v['per-ticket']);
const slaHops = Number(v['sla-hops']);
const mix = Object.fromEntries(
  v.mix.split(',').map((kv) => {
    const [k, w] = kv.split('=');
    if (!['sms', 'whatsapp', 'email'].includes(k!.trim()) || !(Number(w) >= 0)) throw new Error(`--mix: "${kv}" (channels: sms, whatsapp, email)`);
    return [k!.trim(), Number(w)];
  }),
) as Record<Channel, number>;
if (!(messages > 0) || !(perTicket >= 1) || !(slaHops >= 0)) throw new Error('--messages > 0, --per-ticket ≥ 1, --sla-hops ≥ 0');

// Without a run of its own with usage figures (a fresh clone, or a partial run such as `--only ingest`),
// the newest committed dated run that has them is used, and said so.
type Results = { when: string; usage?: { perMessage: Record<string, PerMessage>; metricSeriesSeen: number } };
const read = (u: URL) => JSON.parse(readFileSync(u, 'utf8')) as Results;
const inResults = (f: string) => new URL(`bench/results/${f}`, root);
let resultsFile = new URL(v.results, root);
const own = existsSync(resultsFile) ? read(resultsFile) : undefined;
if (!own?.usage && v.results === 'bench/results/latest.json') {
  const dated = newestDatedRun(readdirSync(new URL('bench/results/', root)), (f) => Boolean(read(inResults(f)).usage));
  if (dated) {
    resultsFile = inResults(dated);
    console.log(`(${own ? 'bench/results/latest.json has no per-message usage figures' : 'no bench/results/latest.json'}: using the committed run bench/results/${dated}; \`npm run bench\` measures your own)`);
  }
}
if (!existsSync(resultsFile)) {
  console.error(`no bench results at ${v.results}: run \`npm run bench\` (or \`npm run bench -- --only usage\`) first`);
  process.exit(2);
}
const results = read(resultsFile);
if (!results.usage) {
  console.error(`${resultsFile.pathname.slice(root.pathname.length)} has no per-message usage figures: run \`npm run bench -- --only usage\``);
  process.exit(2);
}
// The newest dated price table unless one is given.
const pricesPath = v.prices ?? `bench/${readdirSync(new URL('bench/', root)).filter((f) => /^prices-\d{4}-\d{2}\.json$/.test(f)).sort().at(-1)}`;
const prices = JSON.parse(readFileSync(new URL(pricesPath, root), 'utf8')) as Prices;

// Lambda memory as CDK configures it: make('Webhook', 'webhook', ..., <memory>) in lib/functions.ts.
const fnSource = readFileSync(new URL('lib/functions.ts', root), 'utf8');
const memoryOf = (key: string): number => {
  const m = new RegExp(`make\\(\\s*'\\w+',\\s*'${key}',[^)]*?,\\s*(\\d+)\\s*\\)`).exec(fnSource);
  return m ? Number(m[1]) : 512;
};
const memoryMb = { webhook: memoryOf('webhook'), worker: memoryOf('worker') };

const per = results.usage.perMessage;
const workerMs = Object.values(per).map((p) => p.worker.medianMs).filter((x): x is number => typeof x === 'number');
const workerMsFallback = workerMs.length ? workerMs.sort((a, b) => a - b)[Math.floor(workerMs.length / 2)]! : 100;
const est = estimate(per, prices, { messages, mix, messagesPerTicket: perTicket, slaHops, memoryMb, metricSeries: results.usage.metricSeriesSeen }, workerMsFallback);

const usd = (x: number) => (x < 0.01 && x > 0 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const usd4 = (x: number) => `$${x.toFixed(4)}`;
console.log(`monthly estimate for ${messages.toLocaleString('en-US')} messages · mix ${Object.entries(mix).map(([k, w]) => `${k}=${w}`).join(',')} · ${perTicket} messages per ticket`);
console.log(`prices: ${pricesPath} (${prices.region}, ${prices.date}) · per-message figures: ${resultsFile.pathname.slice(root.pathname.length)} (bench of ${results.when})\n`);
const w = Math.max(...est.lines.map((l) => l.service.length));
for (const l of est.lines) {
  console.log(`${l.service.padEnd(w)}  ${usd(l.usd).padStart(10)}/month  ${usd4((l.usd / messages) * 1000).padStart(8)}/1k msgs${l.fixed ? `  + ${usd(l.fixed)}/month fixed` : ''}  · ${l.what}`);
}
console.log(`${'total'.padEnd(w)}  ${usd(est.variable).padStart(10)}/month  ${usd4(est.per1000).padStart(8)}/1k msgs  + ${usd(est.fixed)}/month fixed`);
console.log(`\ncost per 1,000 messages: ${usd4(est.per1000)} (plus ${usd(est.fixed)}/month that does not depend on traffic)`);
console.log(`
assumptions:
- per-message figures were measured on local engines (DynamoDB Local's ConsumedCapacity, the local worker's batching, local durations);
  DynamoDB Local reports 0 units for a key read that finds nothing, so reads are max(reported, keys read) at 1 RRU each.
- Lambda: arm64; memory from lib/functions.ts (webhook ${memoryMb.webhook} MB, worker ${memoryMb.worker} MB); webhook duration = the local
  end-to-end p50 (HTTP and gateway included, so on the high side); worker duration = median receive→delete per batch; worker batches
  as they formed locally (${est.blended.workerInvocations.toFixed(2)} invocations per message).
- ${perTicket} messages per ticket (1 new ticket, ${perTicket - 1} appends); each SLA check job returns ${slaHops} times (15-minute hops
  to a 1-hour first-reply target): ${est.slaHopsPerMessage.toFixed(2)} hops per message, each 3 SQS requests, 1 worker invocation, 1 RRU.
- CloudWatch: every byte the stack logged locally (Powertools logs + EMF) + ${prices.assumptions.lambdaPlatformLogBytesPerInvocation} B of platform records per
  invocation; custom metrics = the ${results.usage.metricSeriesSeen} metric series seen in the bench (more channels, priorities and SLA targets add more).
- Not included: free tiers, DynamoDB storage and backups, S3 (attachments), SES/provider charges, Secrets Manager, data transfer,
  API reads by agents (the bench prices messages only), retries after failures.`);
