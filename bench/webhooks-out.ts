/**
 * Outbound webhooks (issue 13): event-to-delivery latency and deliveries/s through the real local path
 * (DynamoDB Local stream -> local stream poller -> dispatcher -> fauxqs delivery queue -> delivery
 * handler -> signed POST). A receiver on 127.0.0.1 verifies every request with the `standardwebhooks`
 * package and records the first arrival per webhook-id. One subscription for `message.received`, so each
 * inbound SMS is exactly one delivery.
 *
 *  - steady: SMS new tickets at `perSecond`; latency per event = arrival − the event's `at` (set as the
 *    SMS webhook takes the message, just before the commit), and arrival − the SMS webhook's 200.
 *  - burst: `burst` SMS from `senders` closed-loop senders (as fast as the stack takes them); deliveries/s
 *    = deliveries ÷ (last arrival − first send).
 *
 * The receiver runs in the stack's process (as the other parts' clients do), on the same clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startLocalStack, type LocalStackOptions } from '../bin/local-stack.ts';
import { send } from '../bin/simulate.ts';
import { api, phone, smsRequest, targetOf, type Target } from './load.ts';
import { table } from './report.ts';
import { median, pct, progress, round, sleep } from './stats.ts';

interface Arrival {
  readonly at: number;
  readonly eventAt: number;
  readonly customer: string;
}

/** Records the first arrival of each webhook-id; answers 401 to a request whose signature does not verify. */
class Receiver {
  readonly arrivals = new Map<string, Arrival>();
  duplicates = 0;
  forged = 0;
  #wh: Webhook | undefined;
  #server: Server | undefined;
  url = '';

  set secret(s: string) {
    this.#wh = new Webhook(s);
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = Date.now();
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const body = Buffer.concat(chunks).toString('utf8');
        let payload: { data?: { event?: { at?: string }; ticket?: { customerAddress?: string } } };
        try {
          if (!this.#wh) throw new Error('no secret yet');
          payload = this.#wh.verify(body, headers) as typeof payload;
        } catch {
          this.forged++;
          res.writeHead(401).end();
          return;
        }
        const id = headers['webhook-id'] ?? '';
        if (this.arrivals.has(id)) this.duplicates++;
        else this.arrivals.set(id, { at, eventAt: Date.parse(payload.data?.event?.at ?? ''), customer: payload.data?.ticket?.customerAddress ?? '' });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((ok) => this.#server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Arrivals of these customers (one message.received each). */
  of(customers: ReadonlySet<string>): Arrival[] {
    return [...this.arrivals.values()].filter((a) => customers.has(a.customer));
  }

  async waitFor(customers: ReadonlySet<string>, timeoutMs: number): Promise<Arrival[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.of(customers);
      if (got.length >= customers.size || Date.now() > deadline) return got;
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((ok) => (this.#server ? this.#server.close(() => ok()) : ok()));
  }
}

export interface WebhooksOutOptions {
  /** Steady phase: events per round, rate, rounds (figures are medians of the rounds' percentiles). */
  readonly steady: number;
  readonly perSecond: number;
  readonly rounds: number;
  /** Burst phase: events, closed-loop senders, rounds. */
  readonly burst: number;
  readonly senders: number;
  readonly burstRounds: number;
  readonly timeoutSeconds: number;
}

let next = 5_000_000;

/** One SMS new ticket; resolves to the wall time (ms) its webhook answered 200. */
async function sms(t: Target, from: string): Promise<number> {
  const r = await send(t.baseUrl, smsRequest(t, from));
  if (r.status !== 200) throw new Error(`SMS webhook -> ${r.status} ${r.body.slice(0, 200)}`);
  return Date.now();
}

const lat = (xs: readonly number[]) => ({ p50Ms: round(median(xs)), p99Ms: round(pct(xs, 99)), n: xs.length });

export async function benchWebhooksOut(stackOpts: Partial<LocalStackOptions>, o: WebhooksOutOptions) {
  const rx = new Receiver();
  await rx.start();
  // The dispatcher runs beside the worker loops; both are needed for a delivery.
  const stack = await startLocalStack({ ...stackOpts, port: 0, worker: true });
  const t = targetOf(stack);
  try {
    const sub = await api(t, 'POST', '/v1/webhook-subscriptions', { url: `${rx.url}/bench`, events: ['message.received'] });
    if (sub.status !== 201) throw new Error(`subscription -> ${sub.status} ${JSON.stringify(sub.json)}`);
    rx.secret = (sub.json as { secret: string }).secret;

    progress(`webhooks: warming up (60 SMS at ${o.perSecond}/s, waiting for their deliveries)`);
    const warm = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const from = phone(next++);
      warm.add(from);
      await Promise.all([sms(t, from), sleep(1000 / o.perSecond)]);
    }
    const warmed = await rx.waitFor(warm, o.timeoutSeconds * 1000);
    if (warmed.length < warm.size) throw new Error(`warm-up: only ${warmed.length}/${warm.size} delivered in ${o.timeoutSeconds} s`);

    // Steady: a fixed rate, open loop.
    const steady: Array<{ fromEvent: { p50Ms: number; p99Ms: number; n: number }; fromAnswer: { p50Ms: number; p99Ms: number; n: number }; missing: number }> = [];
    const allFromEvent: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      progress(`webhooks: steady round ${r + 1}/${o.rounds}: ${o.steady} SMS at ${o.perSecond}/s`);
      const answered = new Map<string, number>();
      const sends: Array<Promise<void>> = [];
      const t0 = performance.now();
      for (let k = 0; k < o.steady; k++) {
        const from = phone(next++);
        sends.push(sms(t, from).then((at) => void answered.set(from, at)));
        await sleep(Math.max(0, t0 + ((k + 1) * 1000) / o.perSecond - performance.now()));
      }
      await Promise.all(sends);
      const got = await rx.waitFor(new Set(answered.keys()), o.timeoutSeconds * 1000);
      const fromEvent = got.map((a) => a.at - a.eventAt);
      allFromEvent.push(...fromEvent);
      steady.push({ fromEvent: lat(fromEvent), fromAnswer: lat(got.map((a) => a.at - answered.get(a.customer)!)), missing: answered.size - got.length });
    }

    // Burst: as fast as the stack takes them.
    const bursts: Array<{ seconds: number; deliveriesPerSec: number; acceptedPerSec: number; fromEvent: { p50Ms: number; p99Ms: number; n: number }; missing: number }> = [];
    for (let r = 0; r < o.burstRounds; r++) {
      progress(`webhooks: burst round ${r + 1}/${o.burstRounds}: ${o.burst} SMS from ${o.senders} senders`);
      const froms = Array.from({ length: o.burst }, () => phone(next++));
      const start = Date.now();
      let i = 0;
      await Promise.all(
        Array.from({ length: o.senders }, async () => {
          while (i < froms.length) await sms(t, froms[i++]!);
        }),
      );
      const sentMs = Date.now() - start;
      const got = await rx.waitFor(new Set(froms), o.timeoutSeconds * 1000);
      const last = Math.max(...got.map((a) => a.at));
      bursts.push({
        seconds: round((last - start) / 1000),
        deliveriesPerSec: round((got.length * 1000) / (last - start), 1),
        acceptedPerSec: round((o.burst * 1000) / sentMs, 1),
        fromEvent: lat(got.map((a) => a.at - a.eventAt)),
        missing: froms.length - got.length,
      });
    }

    const med = (xs: number[]) => round(median(xs));
    return {
      how: `one subscription (message.received) to a local receiver on 127.0.0.1 that verifies every signature (standardwebhooks); path: DynamoDB Local stream -> local poller (idle ${200} ms) -> dispatcher -> fauxqs delivery queue (long poll) -> delivery handler -> POST; steady: ${o.rounds} rounds of ${o.steady} new-ticket SMS at ${o.perSecond}/s, latency = first arrival - event 'at' (set as the webhook takes the message, before the commit) and - SMS webhook 200; burst: ${o.burstRounds} rounds of ${o.burst} SMS from ${o.senders} closed-loop senders, deliveries/s = deliveries / (last arrival - first send); medians over rounds`,
      steady: {
        fromEventP50Ms: med(steady.map((s) => s.fromEvent.p50Ms)),
        fromEventP99Ms: med(steady.map((s) => s.fromEvent.p99Ms)),
        fromAnswerP50Ms: med(steady.map((s) => s.fromAnswer.p50Ms)),
        fromAnswerP99Ms: med(steady.map((s) => s.fromAnswer.p99Ms)),
        pooledFromEvent: lat(allFromEvent),
        rounds: steady,
      },
      burst: {
        deliveriesPerSec: med(bursts.map((b) => b.deliveriesPerSec)),
        acceptedPerSec: med(bursts.map((b) => b.acceptedPerSec)),
        fromEventP50Ms: med(bursts.map((b) => b.fromEvent.p50Ms)),
        fromEventP99Ms: med(bursts.map((b) => b.fromEvent.p99Ms)),
        rounds: bursts,
      },
      delivered: rx.arrivals.size,
      duplicates: rx.duplicates,
      forged: rx.forged,
    };
  } finally {
    await stack.stop();
    await rx.stop();
  }
}

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The table bench/run.ts prints for `webhooksOut`. */
export function printWebhooksOut(w: J): void {
  const s = w['steady'] as J;
  const b = w['burst'] as J;
  table('outbound webhooks: event → delivery at the receiver (medians over rounds)', ['measure', 'p50 ms', 'p99 ms', 'other'], [
    ['steady: event at → arrival', s['fromEventP50Ms'], s['fromEventP99Ms'], `${s['rounds'].length} rounds × ${s['rounds'][0]?.['fromEvent']['n']}`],
    ['steady: SMS webhook 200 → arrival', s['fromAnswerP50Ms'], s['fromAnswerP99Ms'], ''],
    ['burst: event at → arrival', b['fromEventP50Ms'], b['fromEventP99Ms'], `${b['deliveriesPerSec']} deliveries/s (SMS accepted ${b['acceptedPerSec']}/s)`],
    ['delivered / duplicates / forged', w['delivered'], w['duplicates'], w['forged']],
  ]);
}
