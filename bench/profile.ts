/**
 * `node bench/profile.ts [new|append|dup] [count]`: a CPU profile of the stack as `npm start` runs it
 * (worker, acks, logs and EMF on) while it ingests `count` (400) signed Twilio SMS one after another:
 * new tickets, appends to 50 tickets, or redeliveries of one message. Writes
 * bench/results/<kind>.cpuprofile (open it in Chrome DevTools or VS Code) and prints the p50/p90 on
 * stderr; the stack's own logs go to stdout (`> /dev/null` to drop them).
 * This is how the SDK's per-call costs in functions/adapters/sdk-lean.ts were found. Not part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startLocalStack } from '../bin/local-stack.ts';
import { RESULTS_DIR } from './child.ts';
import { phone, sid, smsRequest, targetOf, timed } from './load.ts';

const kind = process.argv[2] ?? 'new';
const count = Number(process.argv[3] ?? 400);
if (!['new', 'append', 'dup'].includes(kind) || !(count > 0)) {
  console.error('usage: node bench/profile.ts [new|append|dup] [count]');
  process.exit(2);
}
const stack = await startLocalStack({ port: 0, env: { ...process.env } });
try {
  const t = targetOf(stack);
  for (let i = 0; i < 100; i++) await timed(t.baseUrl, smsRequest(t, phone(i))); // warm up; tickets for the appends
  const dupSid = sid();
  await timed(t.baseUrl, smsRequest(t, phone(5), dupSid));
  await new Promise((r) => setTimeout(r, 3000)); // let the worker finish the warm-up's acks
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = kind === 'dup' ? smsRequest(t, phone(5), dupSid) : kind === 'append' ? smsRequest(t, phone(i % 50)) : smsRequest(t, phone(10_000 + i));
    ms.push(await timed(t.baseUrl, r));
  }
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = new URL(`${kind}.cpuprofile`, RESULTS_DIR);
  writeFileSync(out, JSON.stringify(profile));
  ms.sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))]!.toFixed(1);
  console.error(`${count} ${kind}: p50 ${at(50)} ms, p90 ${at(90)} ms; profile: ${out.pathname}`);
} finally {
  await stack.stop();
}
