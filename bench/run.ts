/**
 * `npm run bench`: throughput of the hot pure paths and end-to-end webhook latency through the
 * local stack on real engines. Figures go to bench/results.json; medians over repeated rounds,
 * since this machine is shared and noisy. Nothing here asserts a time.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { expectedTwilioSignature, verifyTwilioRequest } from '../functions/channels/twilio/verify.ts';
import { normalizeTwilio } from '../functions/channels/twilio/normalize.ts';
import { startLocalStack } from './../bin/local-stack.ts';
import { postTwilio, twilioForm } from '../bin/simulate.ts';
import { benchResponseTimes } from './response-times.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function opsPerSecond(fn: () => void, rounds = 7, perRound = 20_000): number {
  for (let i = 0; i < 2_000; i++) fn(); // warm up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) fn();
    rates.push(perRound / ((performance.now() - t0) / 1000));
  }
  return Math.round(median(rates));
}

const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'My parcel has not arrived yet, can you help?' });
const fields = [...form];
const url = 'https://support.example.com/webhooks/twilio';
const signature = expectedTwilioSignature('bench-token', url, fields);

const pure = {
  twilioVerifyOpsPerSec: opsPerSecond(() => {
    verifyTwilioRequest({ authToken: 'bench-token', signature, url, params: fields, rawBody: form.toString() });
  }),
  twilioNormalizeOpsPerSec: opsPerSecond(() => {
    normalizeTwilio(fields, '2026-01-01T00:00:00.000Z');
  }),
};
console.log('pure paths', pure);

const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
const stack = await startLocalStack({
  port: 0,
  env: { ...process.env, AUTO_ACK_ENABLED: 'false' },
  worker: false,
  overrides: () => ({ metrics: { emit: () => undefined }, log: quiet }),
});
const token = stack.runtime.config.secrets.TWILIO_AUTH_TOKEN!;
const send = async (from: string, sid?: string) => {
  const t0 = performance.now();
  const r = await postTwilio({ baseUrl: stack.url, publicBaseUrl: stack.runtime.config.publicBaseUrl, token, form: twilioForm({ from, to: '+15550001111', body: 'hi', ...(sid ? { sid } : {}) }) });
  if (r.status !== 200) throw new Error(`unexpected ${r.status} ${r.body}`);
  return performance.now() - t0;
};
const phone = (i: number) => `+1555${String(1_000_000 + i).padStart(7, '0')}`;

for (let i = 0; i < 30; i++) await send(phone(i)); // warm up JIT and the JVM
const rssBefore = process.memoryUsage().rss;
const newTicket: number[] = [];
for (let i = 0; i < 200; i++) newTicket.push(await send(phone(1000 + i)));
const append: number[] = [];
for (let i = 0; i < 200; i++) append.push(await send(phone(1000 + (i % 20))));
const dupSid = `SM${'b'.repeat(32)}`;
await send(phone(5000), dupSid);
const duplicate: number[] = [];
for (let i = 0; i < 200; i++) duplicate.push(await send(phone(5000), dupSid));
const concurrency = 16;
const t0 = performance.now();
let n = 0;
await Promise.all(
  Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; i < 40; i++) {
      await send(phone(10_000 + w * 100 + i));
      n++;
    }
  }),
);
const concurrentRate = n / ((performance.now() - t0) / 1000);
const rssAfter = process.memoryUsage().rss;
await stack.stop();
const responseTimes = await benchResponseTimes();

const summary = (xs: number[]) => ({ p50Ms: +median(xs).toFixed(2), p95Ms: +pct(xs, 95).toFixed(2), n: xs.length });
const results = {
  when: new Date().toISOString(),
  node: process.version,
  machine: 'shared 2-core box; compare ratios within one run, not absolute numbers across runs',
  pure,
  endToEnd: {
    note: 'HTTP -> local gateway -> webhook handler -> DynamoDB Local (JVM) transaction, sequential unless stated',
    newTicket: summary(newTicket),
    appendToTicket: summary(append),
    duplicateDelivery: summary(duplicate),
    duplicateVsNewRatio: +(median(duplicate) / median(newTicket)).toFixed(3),
    concurrent16: { requestsPerSec: +concurrentRate.toFixed(1), requests: n },
  },
  responseTimes,
  memory: { rssMiBBefore: +(rssBefore / 2 ** 20).toFixed(1), rssMiBAfter: +(rssAfter / 2 ** 20).toFixed(1) },
};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
process.exit(0);
