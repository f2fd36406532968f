/**
 * Ingest overhead and sustained rate, side by side with the raw floor (bench/floor.ts) in one run:
 * webhook → stored p50 for a new ticket, an append (a ticket's second message) and a duplicate, each
 * divided by the same calls replayed directly; webhooks/s at 1, 8 and 32 senders divided by the
 * floor's rate. Rounds alternate stack and floor so drift hits both; figures are medians of rounds.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../bin/local-stack.ts';
import { Floor, Remapper, recipeOf } from './floor.ts';
import type { CallRecord, Recorder } from './instrument.ts';
import { phone, sid, smsRequest, targetOf, timed } from './load.ts';
import { median, pct, progress, ratio, round, sleep } from './stats.ts';

export interface IngestOptions {
  /** Interleaved stack/floor rounds of the overhead figures; the ratios are medians of the rounds'. */
  readonly rounds: number;
  readonly perRound: number;
  /** Stack/floor pairs per sender count of the rate figures (ABBA order). */
  readonly ratePairs: number;
  readonly rateSeconds: number;
  readonly senders: readonly number[];
}

/**
 * Wait until the stack has nothing left to do (delayed SLA checks aside): every queue empty with
 * nothing in flight, polled every `pollMs`, and the table stream handed to the dispatcher up to now
 * (bin/local-streams.ts caughtUp). False when it is still busy after `maxMs`.
 */
async function drained(stack: LocalStack, maxMs = 30_000, pollMs = 250): Promise<boolean> {
  const t0 = performance.now();
  const queuesIdle = async () => {
    const counts = await Promise.all(
      Object.values(stack.queues).map(async (q) => {
        const a = (await stack.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
        return Number(a['ApproximateNumberOfMessages'] ?? 0) + Number(a['ApproximateNumberOfMessagesNotVisible'] ?? 0);
      }),
    );
    return counts.every((n) => n === 0);
  };
  while (performance.now() - t0 < maxMs) {
    if (await queuesIdle()) {
      // The dispatcher may queue outbound webhooks from what the stream hands it: look again after.
      await stack.webhookStream?.caughtUp();
      if (await queuesIdle()) return true;
    }
    await sleep(pollMs);
  }
  return false;
}

const webhookCalls = (rs: readonly CallRecord[]) => rs.filter((r) => r.caller === 'webhook');

/** Record what one new ticket, one append and one duplicate cost in calls (and where the time went). */
async function record(stack: LocalStack, rec: Recorder) {
  const t = targetOf(stack);
  const p = phone(8_999_000);
  const s1 = sid();
  const s2 = sid();
  rec.keepInputs = true;
  rec.tagCallers = true;
  rec.recording = true;
  const ticketIds: string[] = [];
  await sleep(2000); // let earlier follow-ups finish
  const one = async (req: ReturnType<typeof smsRequest>) => {
    rec.take();
    const ms = await timed(t.baseUrl, req);
    await sleep(1500); // let the worker run the follow-ups (it clears the pending jobs on the dedupe record)
    const all = rec.take();
    for (const c of webhookCalls(all)) for (const m of JSON.stringify(c.input).matchAll(/TICKET#([0-9A-Z]{26})/g)) if (!ticketIds.includes(m[1]!)) ticketIds.push(m[1]!);
    // The worker's writes (the acknowledgement bumps the ticket's version) are replayed untimed before an
    // append, so the floor's append meets the same ticket state the stack's does.
    // Only this conversation's: the worker may still be busy with earlier messages' follow-ups.
    const mine = (c: CallRecord) => [p, s1, s2, ...ticketIds].some((x) => JSON.stringify(c.input).includes(x));
    const worker = all.filter((c) => c.caller === 'worker' && c.service === 'dynamodb' && c.ok && mine(c));
    return { ms, calls: webhookCalls(all), worker };
  };
  const n = await one(smsRequest(t, p, s1));
  const a = await one(smsRequest(t, p, s2));
  const d = await one(smsRequest(t, p, s1));
  rec.keepInputs = false;
  rec.tagCallers = false;
  rec.recording = false;
  const describe = (calls: readonly CallRecord[]) => calls.map((c) => `${c.service}:${c.command.replace(/Command$/, '')}`);
  const recipes = { newTicket: recipeOf('newTicket', n.calls), append: recipeOf('append', a.calls), duplicate: recipeOf('duplicate', d.calls) };
  const setup = { afterNew: recipeOf('workerAfterNew', n.worker), afterAppend: recipeOf('workerAfterAppend', a.worker) };
  return {
    recipes,
    setup,
    remap: new Remapper([...Object.values(recipes), ...Object.values(setup)], { phones: [p], sids: [s1, s2] }),
    calls: { newTicket: describe(n.calls), append: describe(a.calls), duplicate: describe(d.calls) },
    groups: Object.fromEntries(Object.entries(recipes).map(([k, r]) => [k, r.groups.map((g) => g.map((s) => s.command.replace(/Command$/, '')).join(' ∥ '))])),
  };
}

/** Where a webhook's time goes: its own DynamoDB/SQS call time vs everything else, per request. */
async function breakdown(stack: LocalStack, rec: Recorder, n: number, base: number) {
  const t = targetOf(stack);
  rec.tagCallers = true;
  rec.recording = true;
  const out = { e2eMs: [] as number[], inCallsMs: [] as number[] };
  for (let i = 0; i < n; i++) {
    rec.take();
    const e2e = await timed(t.baseUrl, smsRequest(t, phone(base + i)));
    const calls = webhookCalls(rec.take());
    // Wall time covered by the calls (parallel calls counted once).
    let covered = 0;
    let until = -Infinity;
    for (const c of [...calls].sort((x, y) => x.start - y.start)) {
      if (c.end <= until) continue;
      covered += c.end - Math.max(c.start, until);
      until = c.end;
    }
    out.e2eMs.push(e2e);
    out.inCallsMs.push(covered);
  }
  rec.tagCallers = false;
  rec.recording = false;
  const e2e = median(out.e2eMs);
  const inCalls = median(out.inCallsMs);
  return { requests: n, e2eP50Ms: round(e2e), inStoreAndQueueCallsP50Ms: round(inCalls), restP50Ms: round(e2e - inCalls), shareInCalls: ratio(inCalls, e2e) };
}

export async function benchIngest(stack: LocalStack, rec: Recorder, o: IngestOptions) {
  const t = targetOf(stack);
  progress('ingest: recording the calls one message makes');
  const r = await record(stack, rec);
  const q = await stack.clients.sqs.send(new CreateQueueCommand({ QueueName: 'bench-floor' }));
  const floor = new Floor(stack.endpoints, r.remap, q.QueueUrl!);
  let base = 100_000;
  const stackP50 = { newTicket: [] as number[], append: [] as number[], duplicate: [] as number[] };
  const floorP50 = { newTicket: [] as number[], append: [] as number[], duplicate: [] as number[] };
  const ratios = { newTicket: [] as number[], append: [] as number[], duplicate: [] as number[] };
  const backToBack = { stackP50: [] as number[], ratios: [] as number[] };
  /** Timed messages after which the stack was still busy 10 s later (the next one then met a busy stack): reported, expected 0. */
  let unsettled = 0;
  for (let round_ = 0; round_ < o.rounds; round_++) {
    progress(`ingest overhead: round ${round_ + 1}/${o.rounds}`);
    // The stack: n new tickets, then each one's second message, then a redelivery of each first message.
    const sids = Array.from({ length: o.perRound }, () => sid());
    const phones = sids.map((_, i) => phone(base + i));
    base += o.perRound;
    const s = { newTicket: [] as number[], append: [] as number[], duplicate: [] as number[], newTicketBackToBack: [] as number[] };
    // Each timed message is sent with nothing else in flight: after it, untimed, the worker finishes its
    // follow-ups (a new ticket's acknowledgement) and the table stream reaches the dispatcher before
    // the next one, as the floor replays the acknowledgement's writes untimed after each of its samples. The back-to-back run below keeps
    // the other figure: the previous ticket's acknowledgement running beside the next ingest.
    const settled = async (req: ReturnType<typeof smsRequest>) => {
      const ms = await timed(t.baseUrl, req);
      if (!(await drained(stack, 10_000, 10))) unsettled++;
      return ms;
    };
    await drained(stack);
    for (let i = 0; i < o.perRound; i++) s.newTicket.push(await settled(smsRequest(t, phones[i]!, sids[i]!)));
    for (let i = 0; i < o.perRound; i++) s.append.push(await settled(smsRequest(t, phones[i]!)));
    for (let i = 0; i < o.perRound; i++) s.duplicate.push(await settled(smsRequest(t, phones[i]!, sids[i]!)));
    for (let i = 0; i < o.perRound; i++) s.newTicketBackToBack.push(await timed(t.baseUrl, smsRequest(t, phone(base + i))));
    base += o.perRound;
    // The floor: the same calls, the same shapes, fresh ids.
    await drained(stack);
    const maps = sids.map(() => r.remap.fresh());
    const f = { newTicket: [] as number[], append: [] as number[], duplicate: [] as number[] };
    for (const k of ['newTicket', 'append', 'duplicate'] as const) {
      for (const m of maps) {
        f[k].push(await floor.run(floor.prepare(r.recipes[k], m)));
        // Untimed: what the worker did to the ticket after this message (the ack), as on the stack.
        if (k === 'newTicket') await floor.run(floor.prepare(r.setup.afterNew, m));
        if (k === 'append') await floor.run(floor.prepare(r.setup.afterAppend, m));
      }
    }
    for (const k of ['newTicket', 'append', 'duplicate'] as const) {
      stackP50[k].push(median(s[k]));
      floorP50[k].push(median(f[k]));
      ratios[k].push(median(s[k]) / median(f[k]));
    }
    // Divided by the floor's new ticket, which has nothing beside it: the harsher figure.
    backToBack.stackP50.push(median(s.newTicketBackToBack));
    backToBack.ratios.push(median(s.newTicketBackToBack) / median(f.newTicket));
  }
  const overhead = Object.fromEntries(
    (['newTicket', 'append', 'duplicate'] as const).map((k) => [
      k,
      {
        stackP50Ms: round(median(stackP50[k])),
        floorP50Ms: round(median(floorP50[k])),
        ratio: round(median(ratios[k]), 2),
        roundRatios: ratios[k].map((x) => round(x, 2)),
        calls: r.calls[k],
        floorGroups: r.groups[k],
      },
    ]),
  );
  // New tickets sent back to back: each one's ingest runs beside the previous one's acknowledgement
  // (two transactions and a send on the same engines and cores; deployed, another Lambda).
  const newTicketBackToBack = {
    stackP50Ms: round(median(backToBack.stackP50)),
    floorP50Ms: round(median(floorP50.newTicket)),
    ratio: round(median(backToBack.ratios), 2),
    roundRatios: backToBack.ratios.map((x) => round(x, 2)),
    calls: r.calls.newTicket,
    floorGroups: r.groups.newTicket,
  };
  progress('ingest: where the time goes');
  const where = await breakdown(stack, rec, 40, 600_000);

  const rate: Record<string, unknown> = {};
  let rateBase = 1_000_000;
  for (const c of o.senders) {
    const stackRuns: Array<{ perSec: number; p99: number; p50: number }> = [];
    const floorRuns: Array<{ perSec: number; p99: number; p50: number }> = [];
    // ABBA: stack, floor, floor, stack (more rounds repeat the pattern).
    const order = Array.from({ length: Math.max(1, o.ratePairs) }, (_, i) => (i % 2 ? ['floor', 'stack'] : ['stack', 'floor'])).flat();
    for (const which of order) {
      await drained(stack);
      progress(`rate: ${c} sender(s), ${which}`);
      const lat: number[] = [];
      const deadline = performance.now() + o.rateSeconds * 1000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (performance.now() < deadline) {
            if (which === 'stack') lat.push(await timed(t.baseUrl, smsRequest(t, phone(rateBase++))));
            else lat.push(await floor.run(floor.prepare(r.recipes.newTicket, r.remap.fresh())));
          }
        }),
      );
      const run = { perSec: lat.length / ((performance.now() - t0) / 1000), p99: pct(lat, 99), p50: median(lat) };
      (which === 'stack' ? stackRuns : floorRuns).push(run);
      await floor.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: q.QueueUrl! })).catch(() => undefined);
    }
    const sRate = median(stackRuns.map((x) => x.perSec));
    const fRate = median(floorRuns.map((x) => x.perSec));
    rate[String(c)] = {
      stackPerSec: round(sRate, 1),
      floorPerSec: round(fRate, 1),
      ratio: ratio(sRate, fRate, 2),
      stackP99Ms: round(median(stackRuns.map((x) => x.p99))),
      floorP99Ms: round(median(floorRuns.map((x) => x.p99))),
      stackP50Ms: round(median(stackRuns.map((x) => x.p50))),
      floorP50Ms: round(median(floorRuns.map((x) => x.p50))),
      runs: { stack: stackRuns.map((x) => round(x.perSec, 1)), floor: floorRuns.map((x) => round(x.perSec, 1)) },
    };
  }
  floor.destroy();
  return {
    how: `webhook → 200 (stored) over HTTP through the local gateway vs the same recorded DynamoDB/SQS calls replayed with fresh ids on a client with the stack's settings (SQS sends to a queue nobody reads); ${o.rounds} interleaved rounds of ${o.perRound} per kind (each timed message sent with the stack idle: the previous message's follow-ups done and its stream records handed to the dispatcher, untimed, as the floor replays the follow-ups' writes untimed; newTicketBackToBack: new tickets sent back to back, each beside the previous one's acknowledgement, ÷ the floor's new ticket), medians of the rounds' p50s; rate: ${o.rateSeconds} s per run, new-ticket SMS, senders loop closed`,
    overhead: { ...overhead, newTicketBackToBack },
    unsettled,
    whereTheTimeGoes: where,
    rate,
    rateTarget: 'stack ≥ 0.8 × floor at 8 senders',
  };
}
