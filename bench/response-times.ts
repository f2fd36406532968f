/**
 * Response-time measurements for `npm run bench` (called from bench/run.ts):
 *  1. the metrics engine's `step` cost for one more event on a ticket with 1 vs 1,000 events (should
 *     be constant work per event), and the stored state's JSON size at both;
 *  2. the response-time report's latency over 1 day vs 92 days of per-day aggregate items on the
 *     local engines (DynamoDB Local), and the DynamoDB Query calls it makes per group.
 * Medians of rounds; nothing here asserts a time. Every engine started here is stopped before return.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../bin/local-stack.ts';
import { buildCalendar, type Calendar } from '../functions/core/calendar.ts';
import { increments, statsPartition, type ReportSample } from '../functions/core/reports.ts';
import { emptyState, step, type MetricsState, type PolicyResolver } from '../functions/core/response-metrics.ts';
import { responseTimeReport, MAX_REPORT_DAYS } from '../functions/core/services/reports.ts';
import { resolverOf } from '../functions/core/sla-settings.ts';
import type { SlaPolicy } from '../functions/core/sla-policy.ts';
import type { EventDraft, TicketEvent } from '../functions/core/ticket-events.ts';
import { recordEvents } from '../functions/core/timeline.ts';
import type { Ticket } from '../functions/core/types.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r2 = (n: number) => +n.toFixed(2);
const r3 = (n: number) => +n.toFixed(3);

/** Deterministic PRNG (mulberry32), so every run builds the same history and the same counters. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- 1. step cost per event --------------------------------------------------------------------------

const MIN = 60_000;
const HOUR = 60 * MIN;
const TICKET_ID = 'T-bench';
export const OFFICE: Calendar = buildCalendar('office', {
  timeZone: 'Europe/London',
  week: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:30']]])),
  holidays: ['2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25'],
});
const TARGETS = { firstReply: 3600, nextReply: 4 * 3600, resolution: 3 * 86_400 } as const;
export const POLICIES: Record<'business' | 'alwaysOpen', SlaPolicy> = {
  business: { name: 'office-hours', match: {}, calendar: 'office', targets: TARGETS, warnBefore: 900 },
  alwaysOpen: { name: 'always-open', match: {}, targets: TARGETS, warnBefore: 900 },
};
export const resolverFor = (p: SlaPolicy): PolicyResolver => resolverOf({ policies: [p], calendars: { office: OFFICE } });

/**
 * A long-running conversation of exactly `n` events, as ingest and the agent actions record them:
 * the `sla.policy` match and the opening customer message, then cycles of (sometimes a note) reply
 * queued -> sent -> delivered (-> read), then either the customer writes again, or the agent sets
 * pending and the customer answers, or the agent resolves and the customer reopens; sometimes a second
 * customer message. The log ends with a customer message, so the customer is waiting (as after event 1).
 */
export function history(n: number, policy: SlaPolicy): TicketEvent[] {
  const rand = rng(42);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));
  let t = Date.parse('2026-03-02T09:12:00.000Z'); // a Monday morning in London
  let seq = 0;
  let status: 'open' | 'pending' | 'resolved' = 'open';
  const out: TicketEvent[] = [];
  // Ids as long as the ULIDs the handlers use (they fill the state's `counted` list).
  const ulid = (kind: string) => `01JBENCH${kind}${String(seq).padStart(26 - 9, '0')}`;
  const push = (d: EventDraft) => {
    out.push({ ...d, id: ulid('E'), ticketId: TICKET_ID } as TicketEvent);
    seq++;
  };
  const at = () => new Date(t).toISOString();
  const customer = () => {
    if (status !== 'open') {
      push({ type: 'status.changed', at: at(), actor: 'customer', from: status, to: 'open' });
      if (status === 'resolved') push({ type: 'ticket.reopened', at: at(), actor: 'customer', by: 'message' });
      status = 'open';
    }
    push({ type: 'message.received', at: at(), actor: 'customer', messageId: ulid('M'), channel: 'sms', countsAsCustomerMessage: true });
  };
  push({ type: 'sla.policy', at: at(), actor: 'automation', policy: policy.name, calendar: policy.calendar ?? null });
  customer();
  const MAX_CYCLE = 10;
  while (out.length < n - MAX_CYCLE) {
    const agent = 'agent:bench' as const;
    if (rand() < 0.15) {
      t += between(2, 30) * MIN;
      push({ type: 'note.added', at: at(), actor: agent, messageId: ulid('N') });
    }
    t += between(5, 150) * MIN;
    const reply = ulid('R');
    push({ type: 'reply.queued', at: at(), actor: agent, messageId: reply });
    t += 2_000;
    push({ type: 'reply.sent', at: at(), actor: 'automation', messageId: reply });
    t += 4_000;
    push({ type: 'reply.delivered', at: at(), actor: 'automation', messageId: reply });
    if (rand() < 0.5) {
      t += between(1, 60) * MIN;
      push({ type: 'reply.read', at: at(), actor: 'automation', messageId: reply });
    }
    const next = rand();
    if (next < 0.2) {
      t += between(1, 10) * MIN;
      push({ type: 'status.changed', at: at(), actor: agent, from: status, to: 'pending' });
      status = 'pending';
    } else if (next < 0.35) {
      t += between(1, 10) * MIN;
      push({ type: 'status.changed', at: at(), actor: agent, from: status, to: 'resolved' });
      status = 'resolved';
    }
    t += between(1, 20) * HOUR;
    customer();
    if (rand() < 0.2) {
      t += between(1, 15) * MIN;
      customer();
    }
  }
  while (out.length < n) {
    t += between(1, 15) * MIN;
    customer();
  }
  return out;
}

const fold = (events: readonly TicketEvent[], resolve: PolicyResolver): MetricsState =>
  events.reduce((s, e) => step(s, e, resolve).state, emptyState());

/** The next event of each kind measured, 7 minutes after the last event of the ticket. */
function probes(lastAt: string): Record<string, TicketEvent> {
  const at = new Date(Date.parse(lastAt) + 7 * MIN).toISOString();
  const base = { at, id: 'E-probe', ticketId: TICKET_ID } as const;
  return {
    'reply.sent (answers the waiting customer)': { ...base, type: 'reply.sent', actor: 'automation', messageId: '01JBENCHPROBEREPLY00000000R' },
    'message.received (customer, while waiting)': { ...base, type: 'message.received', actor: 'customer', messageId: '01JBENCHPROBEMESSAGE000000M', channel: 'sms', countsAsCustomerMessage: true },
    'status.changed open -> pending': { ...base, type: 'status.changed', actor: 'agent:bench', from: 'open', to: 'pending' },
    'note.added': { ...base, type: 'note.added', actor: 'agent:bench', messageId: '01JBENCHPROBENOTE000000000N' },
  };
}

let sink = 0;
/** Median ns per call over `rounds` rounds; the two functions' rounds interleave, so drift hits both alike. */
function nsPerOpPair(a: () => MetricsState, b: () => MetricsState, rounds = 9, perRound = 10_000): [number, number] {
  for (let i = 0; i < 3_000; i++) sink += a().cycle + b().cycle; // warm up
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [fn, out] of r % 2 ? ([[b, rb], [a, ra]] as const) : ([[a, ra], [b, rb]] as const)) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) sink += fn().cycle;
      out.push(((performance.now() - t0) * 1e6) / perRound);
    }
  }
  return [median(ra), median(rb)];
}

function stepBench(which: keyof typeof POLICIES) {
  const policy = POLICIES[which];
  const resolve = resolverFor(policy);
  const log = history(1_000, policy);
  // Event 1 is the opening customer message; ingest records the policy match with it, so it is folded first.
  const at1 = fold(log.slice(0, 2), resolve);
  const at1000 = fold(log, resolve);
  const p1 = probes(log[1]!.at);
  const p1000 = probes(log.at(-1)!.at);
  const byKind: Record<string, { at1Ns: number; at1000Ns: number; ratio: number }> = {};
  for (const kind of Object.keys(p1)) {
    const e1 = p1[kind]!;
    const e1000 = p1000[kind]!;
    const [a, b] = nsPerOpPair(() => step(at1, e1, resolve).state, () => step(at1000, e1000, resolve).state);
    byKind[kind] = { at1Ns: Math.round(a), at1000Ns: Math.round(b), ratio: r3(b / a) };
  }
  // The whole recorded change as the handlers make it (step + effects -> events, counters, timers).
  const ticket = (clock: MetricsState, version: number): Ticket => ({
    id: TICKET_ID, status: 'open', priority: 'normal', channel: 'sms', provider: 'twilio', contactId: 'C-bench', threadKey: 'sms:+15550001111:+15551230000',
    inboxAddress: '+15550001111', customerAddress: '+15551230000', tags: [], createdAt: log[1]!.at, lastMessageAt: log.at(-1)!.at,
    messageCount: 0, reopenCount: 0, clock, version,
  });
  const t1 = ticket(at1, 1);
  const t1000 = ticket(at1000, 500);
  const reply = (e: TicketEvent): EventDraft => ({ type: 'reply.sent', at: e.at, actor: 'automation', messageId: '01JBENCHPROBEREPLY00000000R' });
  const d1 = reply(p1['reply.sent (answers the waiting customer)']!);
  const d1000 = reply(p1000['reply.sent (answers the waiting customer)']!);
  let id = 0;
  const ctx = { resolve, newId: () => `X${id++}`, now: new Date(Date.parse(d1000.at)) };
  const [rec1, rec1000] = nsPerOpPair(() => recordEvents(t1, [d1], ctx).ticket.clock!, () => recordEvents(t1000, [d1000], ctx).ticket.clock!, 7, 5_000);
  const bytes = (s: MetricsState) => Buffer.byteLength(JSON.stringify(s));
  const head = byKind['reply.sent (answers the waiting customer)']!;
  const spanDays = (Date.parse(log.at(-1)!.at) - Date.parse(log[0]!.at)) / 86_400_000;
  return {
    policy: `${policy.name} (${policy.calendar ? 'Europe/London Mon-Fri 09:00-17:30 business calendar' : '24/7, no calendar'})`,
    historySpanDays: +spanDays.toFixed(1),
    stepNsAt1: head.at1Ns,
    stepNsAt1000: head.at1000Ns,
    ratio: head.ratio,
    byKind,
    recordEventsReplyNs: { at1: Math.round(rec1), at1000: Math.round(rec1000), ratio: r3(rec1000 / rec1) },
    stateJsonBytes: { at1: bytes(at1), at1000: bytes(at1000) },
    countedIdsAt1000: at1000.counted.length,
    nextRepliesKeptAt1000: at1000.nextReplies.length,
  };
}

// --- 2. report query latency -------------------------------------------------------------------------

const SHARDS = 4;
const TICKETS_PER_SHARD_DAY = 25;
const LAST_DAY = '2026-07-01';

/** The samples one shard of one day collects: a busy channel, ~100 tickets a day. */
function daySamples(rand: () => number, day: string): ReportSample[] {
  const at = `${day}T12:00:00.000Z`;
  const logNormal = (medianSeconds: number, sigma: number) => {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return Math.round(medianSeconds * Math.exp(sigma * z) * 1000) / 1000;
  };
  const measure = (m: 'firstReply' | 'nextReply' | 'firstResolution' | 'fullResolution', med: number): ReportSample => {
    const calendar = logNormal(med, 1.1);
    const business = rand() < 0.1 ? 0 : Math.round(calendar * (0.25 + 0.75 * rand()) * 1000) / 1000;
    return { kind: 'measure', measure: m, calendar, business, at };
  };
  const out: ReportSample[] = [];
  for (let i = 0; i < TICKETS_PER_SHARD_DAY; i++) {
    out.push(measure('firstReply', 1_800));
    out.push({ kind: 'sla', target: 'firstReply', met: rand() < 0.85, at });
    for (let k = Math.floor(rand() * 4); k > 0; k--) {
      out.push(measure('nextReply', 3_600));
      out.push({ kind: 'sla', target: 'nextReply', met: rand() < 0.8, at });
    }
    if (rand() < 0.7) {
      out.push(measure('firstResolution', 86_400));
      out.push({ kind: 'sla', target: 'resolution', met: rand() < 0.75, at });
    }
    if (rand() < 0.5) out.push(measure('fullResolution', 2 * 86_400));
  }
  return out;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function reportBench(runs = 15) {
  const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const stack = await startLocalStack({
    port: 0,
    env: { ...process.env, AUTO_ACK_ENABLED: 'false' },
    worker: false,
    overrides: () => ({ metrics: { emit: () => undefined }, log: quiet }),
  });
  try {
    const table = stack.runtime.config.tableName;
    const doc = DynamoDBDocumentClient.from(stack.clients.dynamo);
    const pk = statsPartition('channel', { channel: 'sms' });
    const rand = rng(7);
    const days = Array.from({ length: MAX_REPORT_DAYS }, (_, i) => addDays(LAST_DAY, i - (MAX_REPORT_DAYS - 1)));
    const writes = days.flatMap((day) => Array.from({ length: SHARDS }, (_, shard) => ({ sk: `${day}#${shard}`, add: increments(daySamples(rand, day)) })));
    // The store's shape: one item per day and shard, each counter ADDed (adapters/dynamo-store.ts statsUpdate).
    const tw = performance.now();
    for (let i = 0; i < writes.length; i += 8) {
      await Promise.all(
        writes.slice(i, i + 8).map(({ sk, add }) => {
          const entries = Object.entries(add);
          return doc.send(
            new UpdateCommand({
              TableName: table,
              Key: { PK: pk, SK: sk },
              UpdateExpression: `ADD ${entries.map((_, j) => `#a${j} :v${j}`).join(', ')}`,
              ExpressionAttributeNames: Object.fromEntries(entries.map(([k], j) => [`#a${j}`, k])),
              ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], j) => [`:v${j}`, v])),
            }),
          );
        }),
      );
    }
    const writeSeconds = (performance.now() - tw) / 1000;
    const attrs = writes.map((w) => Object.keys(w.add).length);
    const itemBytes = writes.map((w) => Object.entries(w.add).reduce((s, [k, v]) => s + k.length + String(v).length, 0) + pk.length + w.sk.length);

    // Count the Query calls (pages) per partition, on the client the store shares.
    const queries = new Map<string, number>();
    let counting = false;
    stack.clients.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (counting && context.commandName === 'QueryCommand') {
          const v = (args.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues?.[':pk'];
          const key = typeof v === 'string' ? v : ((v as { S?: string } | undefined)?.S ?? '?');
          queries.set(key, (queries.get(key) ?? 0) + 1);
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchQueryCounter' },
    );
    const ranges = { day1: { from: LAST_DAY, to: LAST_DAY }, day92: { from: days[0]!, to: LAST_DAY } };
    const report = (r: { from: string; to: string }) => responseTimeReport(stack.runtime.deps, { ...r, groupBy: 'channel' });
    const checks: Record<string, { queriesThisGroup: number; queriesAllGroups: number; groups: number; count: number }> = {};
    for (const [name, r] of Object.entries(ranges)) {
      queries.clear();
      counting = true;
      const out = await report(r);
      counting = false;
      checks[name] = {
        queriesThisGroup: queries.get(pk) ?? 0,
        queriesAllGroups: [...queries.values()].reduce((a, b) => a + b, 0),
        groups: queries.size,
        count: out.groups.find((g) => g.channel === 'sms')?.firstReply.count ?? 0,
      };
    }
    stack.clients.dynamo.middlewareStack.remove('benchQueryCounter');

    for (let i = 0; i < 3; i++) for (const r of Object.values(ranges)) await report(r); // warm up
    const times: Record<keyof typeof ranges, number[]> = { day1: [], day92: [] };
    for (let i = 0; i < runs; i++) {
      for (const name of (i % 2 ? ['day92', 'day1'] : ['day1', 'day92']) as Array<keyof typeof ranges>) {
        const t0 = performance.now();
        await report(ranges[name]);
        times[name].push(performance.now() - t0);
      }
    }
    const m1 = median(times.day1);
    const m92 = median(times.day92);
    return {
      groupBy: 'channel',
      data: {
        group: pk,
        days: MAX_REPORT_DAYS,
        shardsPerDay: SHARDS,
        items: writes.length,
        ticketsPerDay: SHARDS * TICKETS_PER_SHARD_DAY,
        attributesPerItemMedian: median(attrs),
        approxBytesPerItemMedian: Math.round(median(itemBytes)),
        writeSeconds: r2(writeSeconds),
      },
      day1: { p50Ms: r2(m1), minMs: r2(Math.min(...times.day1)), maxMs: r2(Math.max(...times.day1)), runs, itemsRead: SHARDS, firstReplyCount: checks['day1']!.count },
      day92: { p50Ms: r2(m92), minMs: r2(Math.min(...times.day92)), maxMs: r2(Math.max(...times.day92)), runs, itemsRead: writes.length, firstReplyCount: checks['day92']!.count },
      ratio92vs1: r3(m92 / m1),
      dynamoQueriesPerGroup: { day1: checks['day1']!.queriesThisGroup, day92: checks['day92']!.queriesThisGroup },
      dynamoQueriesPerReport: { day1: checks['day1']!.queriesAllGroups, day92: checks['day92']!.queriesAllGroups, groups: checks['day92']!.groups },
    };
  } finally {
    await stack.stop();
  }
}

// --- both ------------------------------------------------------------------------------------------

export async function benchResponseTimes() {
  const business = stepBench('business');
  const alwaysOpen = stepBench('alwaysOpen');
  if (sink === -1) console.log(sink); // keep the results alive
  const reports = await reportBench();
  const results = {
    how:
      'step: median ns of response-metrics step() applying one more event (headline: a reply.sent answering the waiting customer; byKind: others) ' +
      'to the state after 1 event (the opening customer message, its sla.policy match folded with it) vs after 1,000 events of a synthetic ' +
      'long-running conversation (replies queued/sent/delivered/read, customer messages, pending/resolve/reopen, notes), 9 interleaved rounds x 10k calls; ' +
      'stateJsonBytes = JSON of the state stored on the ticket. report: responseTimeReport(groupBy=channel) on DynamoDB Local over 92 days x 4 shards ' +
      'of per-day aggregate items (increments() of ~100 tickets/day) for one channel, 1-day vs 92-day range, median of 15 interleaved runs after 3 warm-ups; ' +
      'Query calls counted on the SDK client.',
    note:
      'with a business calendar, step() for replies and status changes calls calendar.businessSecondsBetween(created or last sla.policy, now), ' +
      'which walks the calendar one day at a time: its cost grows with the ticket age in days, not with the event count; ' +
      'with 24/7 it is bounded (the counted-ids and nextReplies lists are capped at 200 and 100).',
    step: { business, alwaysOpen },
    report: reports,
  };
  printTable(results);
  return results;
}

function printTable(r: { step: Record<string, ReturnType<typeof stepBench>>; report: Awaited<ReturnType<typeof reportBench>> }): void {
  const rows: Array<Record<string, string | number>> = [];
  for (const [name, s] of Object.entries(r.step)) {
    for (const [kind, k] of Object.entries(s.byKind)) rows.push({ measure: `step ${name}: ${kind}`, at1: `${k.at1Ns} ns`, at1000: `${k.at1000Ns} ns`, ratio: k.ratio });
    rows.push({ measure: `recordEvents ${name}: reply.sent`, at1: `${s.recordEventsReplyNs.at1} ns`, at1000: `${s.recordEventsReplyNs.at1000} ns`, ratio: s.recordEventsReplyNs.ratio });
    rows.push({ measure: `state JSON ${name}`, at1: `${s.stateJsonBytes.at1} B`, at1000: `${s.stateJsonBytes.at1000} B`, ratio: r3(s.stateJsonBytes.at1000 / s.stateJsonBytes.at1) });
  }
  console.log('response-metrics step: 1 event vs 1,000 events');
  console.table(rows);
  const q = r.report;
  console.log('response-time report (DynamoDB Local): 1 day vs 92 days');
  console.table([
    { range: '1 day', p50Ms: q.day1.p50Ms, items: q.day1.itemsRead, queriesThisGroup: q.dynamoQueriesPerGroup.day1, queriesAllGroups: q.dynamoQueriesPerReport.day1 },
    { range: '92 days', p50Ms: q.day92.p50Ms, items: q.day92.itemsRead, queriesThisGroup: q.dynamoQueriesPerGroup.day92, queriesAllGroups: q.dynamoQueriesPerReport.day92 },
  ]);
  console.log(`ratio 92d/1d: ${q.ratio92vs1}`);
}
