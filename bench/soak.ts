/**
 * `npm run soak -- --minutes 10 [--rate 6]`: steady mixed load on a local stack as `npm start` runs it
 * (worker, acknowledgements, logs and EMF on; its output goes to bench/results/soak.log): SMS (new and
 * returning customers), WhatsApp batches of 3, email, API list/detail reads and agent replies, at a
 * fixed open-loop rate. Reports errors by kind, p99 per window (drift = last ÷ first) and the RSS
 * slope (MB/min, least squares) of this process and of DynamoDB Local's JVM. Bounded: at most
 * rate × seconds operations and 64 in flight (more is shed and counted); stops by itself.
 * Results: bench/results/soak-latest.json. Not part of `npm test`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RESULTS_DIR, runChild } from './child.ts';
import { table } from './report.ts';
import { median, pct, progress, ratio, round, sleep, slope } from './stats.ts';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '6' } } });
const minutes = Number(args.minutes);
const rate = Number(args.rate);
if (!(minutes > 0 && minutes <= 240) || !(rate > 0 && rate <= 100)) {
  console.error('usage: npm run soak -- --minutes N (0 < N ≤ 240) [--rate ops/s (≤ 100)]');
  process.exit(2);
}

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

if (!process.env['BENCH_CHILD']) {
  const { code, logPath } = await runChild(new URL(import.meta.url), process.argv.slice(2), 'soak.log');
  if (code !== 0) {
    console.error(`soak failed (exit ${code}); the stack's output is in ${logPath}`);
    process.exit(code);
  }
  const r = JSON.parse(readFileSync(new URL('soak-latest.json', RESULTS_DIR), 'utf8')) as J;
  console.log(`soak ${r['when']} · ${r['minutes']} min at ${r['ratePerSec']} ops/s · ${r['operations']} operations · windows of ${r['windowSeconds']} s`);
  table('errors by kind', ['kind', 'ops', 'errors', 'p50 ms', 'p99 ms'], Object.entries(r['byKind'] as J).map(([k, v]: [string, J]) => [k, v['ops'], v['errors'], v['p50Ms'], v['p99Ms']]));
  table('per window', ['window', 'ops', 'errors', 'p50 ms', 'p99 ms', 'RSS MiB (bench)', 'RSS MiB (JVM)'], (r['windows'] as J[]).map((w, i) => [i + 1, w['ops'], w['errors'], w['p50Ms'], w['p99Ms'], w['rssMiB'], w['jvmRssMiB']]));
  console.log(`\nerrors: ${r['errors']} of ${r['operations']} (shed: ${r['shed']}) · p99 drift (last ÷ first window): ${r['p99Drift']} · RSS slope: ${r['rssSlopeMiBPerMin']} MiB/min (bench process), ${r['jvmRssSlopeMiBPerMin']} MiB/min (DynamoDB Local JVM)`);
  if ((r['errorSamples'] as string[]).length) console.log(`error samples:\n  ${(r['errorSamples'] as string[]).join('\n  ')}`);
  console.log(`full figures: bench/results/soak-latest.json; the stack's logs: ${logPath}`);
  process.exit(0);
}

// ---- the soak itself (child process) ----
const { startLocalStack } = await import('../bin/local-stack.ts');
const { api, emailRequest, phone, smsRequest, targetOf, timed, whatsappBatchRequest } = await import('./load.ts');

/** Resident memory of DynamoDB Local's JVM (a child of this process), MiB. */
function jvmRssMiB(): number | null {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !stat.includes('(java)')) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? round(Number(m[1]) / 1024, 1) : null;
    } catch {
      /* gone */
    }
  }
  return null;
}

const stack = await startLocalStack({ port: 0, env: { ...process.env } });
const t = targetOf(stack);
const windowSeconds = minutes >= 3 ? 60 : 15;
const durationMs = minutes * 60_000;
const hardStop = setTimeout(() => {
  progress('soak: hard stop');
  process.exit(3);
}, durationMs + 90_000);
hardStop.unref();

interface Op {
  kind: string;
  at: number;
  ms: number;
  ok: boolean;
}
const ops: Op[] = [];
const errorSamples: string[] = [];
const rss: Array<[number, number, number | null]> = [];
const tickets: string[] = [];
const customers: number[] = [];
let next = 0;
let inflight = 0;
let shed = 0;

const pickTicket = () => tickets[Math.floor(Math.random() * tickets.length)];
async function one(kind: string, i: number): Promise<void> {
  const t0 = performance.now();
  let ok = true;
  try {
    if (kind === 'sms') {
      const returning = customers.length > 20 && Math.random() < 0.3;
      const c = returning ? customers[Math.floor(Math.random() * customers.length)]! : 6_000_000 + i;
      if (!returning) customers.push(c);
      await timed(t.baseUrl, smsRequest(t, phone(c)));
    } else if (kind === 'whatsapp') await timed(t.baseUrl, whatsappBatchRequest(t, [phone(7_000_000 + 3 * i), phone(7_000_001 + 3 * i), phone(7_000_002 + 3 * i)]));
    else if (kind === 'email') await timed(t.baseUrl, emailRequest(t, 8_000_000 + i));
    else if (kind === 'list') {
      const r = await api(t, 'GET', '/v1/tickets?status=open');
      if (r.status !== 200) throw new Error(`list ${r.status}`);
      for (const tk of (r.json as { tickets: Array<{ id: string }> }).tickets) if (!tickets.includes(tk.id)) tickets.push(tk.id);
      if (tickets.length > 500) tickets.splice(0, tickets.length - 500);
    } else if (kind === 'detail' || kind === 'reply') {
      const id = pickTicket();
      if (!id) return;
      const r =
        kind === 'detail'
          ? await api(t, 'GET', `/v1/tickets/${id}`)
          : await api(t, 'POST', `/v1/tickets/${id}/replies`, { text: 'Thanks, we are looking into it.', author: 'soak-agent' });
      // 409: the ticket was closed meanwhile (a normal answer).
      if (r.status >= 300 && r.status !== 409) throw new Error(`${kind} ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
    }
  } catch (e) {
    ok = false;
    if (errorSamples.length < 10) errorSamples.push(`${kind}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300));
  }
  ops.push({ kind, at: t0, ms: performance.now() - t0, ok });
}

const MIX: Array<[string, number]> = [['sms', 0.35], ['whatsapp', 0.15], ['email', 0.15], ['list', 0.12], ['detail', 0.13], ['reply', 0.1]];
const kindFor = (u: number) => {
  let acc = 0;
  for (const [k, w] of MIX) if (u < (acc += w)) return k;
  return 'sms';
};

progress(`soak: ${minutes} min at ${rate} ops/s (windows of ${windowSeconds} s)`);
const start = performance.now();
const sampler = setInterval(() => rss.push([(performance.now() - start) / 60_000, process.memoryUsage().rss / 2 ** 20, jvmRssMiB()]), 5000);
const pending = new Set<Promise<void>>();
let lastWindow = 0;
for (let k = 0; performance.now() - start < durationMs; k++) {
  if (inflight >= 64) shed++;
  else {
    inflight++;
    const p = one(kindFor(Math.random()), next++).finally(() => inflight--);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  const w = Math.floor((performance.now() - start) / (windowSeconds * 1000));
  if (w > lastWindow) {
    lastWindow = w;
    const recent = ops.filter((o) => o.at - start >= (w - 1) * windowSeconds * 1000);
    progress(`soak: window ${w}: ${recent.length} ops, ${recent.filter((o) => !o.ok).length} errors, p99 ${round(pct(recent.map((o) => o.ms), 99))} ms`);
  }
  await sleep(Math.max(0, start + ((k + 1) * 1000) / rate - performance.now()));
}
await Promise.race([Promise.all(pending), sleep(15_000)]);
clearInterval(sampler);
await stack.stop();

const windows = Array.from({ length: Math.ceil(durationMs / (windowSeconds * 1000)) }, (_, w) => {
  const inW = ops.filter((o) => Math.floor((o.at - start) / (windowSeconds * 1000)) === w);
  const samples = rss.filter(([m]) => Math.floor((m * 60) / windowSeconds) === w);
  return {
    ops: inW.length,
    errors: inW.filter((o) => !o.ok).length,
    p50Ms: round(median(inW.map((o) => o.ms))),
    p99Ms: round(pct(inW.map((o) => o.ms), 99)),
    rssMiB: samples.length ? round(samples.at(-1)![1], 1) : null,
    jvmRssMiB: samples.length ? samples.at(-1)![2] : null,
  };
});
// Skip the first window (JIT and JVM warm-up) for the memory slope when there is enough after it.
const steady = rss.filter(([m]) => m * 60 >= windowSeconds);
const fit = steady.length >= 4 ? steady : rss;
const byKind = Object.fromEntries(
  MIX.map(([k]) => {
    const o = ops.filter((x) => x.kind === k);
    return [k, { ops: o.length, errors: o.filter((x) => !x.ok).length, p50Ms: round(median(o.map((x) => x.ms))), p99Ms: round(pct(o.map((x) => x.ms), 99)) }];
  }),
);
const result = {
  when: new Date().toISOString(),
  minutes,
  ratePerSec: rate,
  windowSeconds,
  mix: Object.fromEntries(MIX),
  operations: ops.length,
  errors: ops.filter((o) => !o.ok).length,
  shed,
  byKind,
  windows,
  p99Drift: windows.length > 1 ? ratio(windows.at(-1)!.p99Ms, windows[0]!.p99Ms, 2) : 1,
  rssSlopeMiBPerMin: round(slope(fit.map(([m, r]) => [m, r] as const)), 2),
  jvmRssSlopeMiBPerMin: round(slope(fit.filter(([, , j]) => j !== null).map(([m, , j]) => [m, j!] as const)), 2),
  rssSamples: rss.map(([m, r, j]) => [round(m, 2), round(r, 1), j]),
  errorSamples,
};
writeFileSync(new URL('soak-latest.json', RESULTS_DIR), JSON.stringify(result, null, 2) + '\n');
progress('soak: wrote bench/results/soak-latest.json');
process.exit(0);
