/**
 * What one message costs in AWS resources, measured on a local stack as `npm start` runs it (worker,
 * acknowledgements, logging and EMF on): DynamoDB read/write units from ReturnConsumedCapacity=TOTAL
 * (DynamoDB Local returns them), SQS requests (64 KB chunks), webhook and worker invocations and
 * their duration, log and EMF bytes written. Per channel (SMS via Twilio, WhatsApp via Meta, email
 * via Postmark), for a ticket's first message and for a later one. scripts/cost.ts prices these.
 */
import type { LocalStack, LocalStackOptions } from '../bin/local-stack.ts';
import { startLocalStack } from '../bin/local-stack.ts';
import { Recorder, type CallRecord } from './instrument.ts';
import { emailRequest, phone, smsRequest, targetOf, timed, whatsappBatchRequest, type Kind, type Target } from './load.ts';
import type { SignedRequest } from '../bin/simulate.ts';
import { median, progress, round, sleep } from './stats.ts';

/** Count bytes written to stdout/stderr (Powertools Logger and Metrics write through them) while `on`. */
class OutputMeter {
  bytes = 0;
  emfBytes = 0;
  emfDocs = 0;
  readonly series = new Set<string>();
  #restore: Array<() => void> = [];
  start(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const orig = stream.write.bind(stream) as (...a: unknown[]) => boolean;
      (stream as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
        this.#count(text);
        return orig(chunk, ...rest);
      };
      this.#restore.push(() => ((stream as { write: unknown }).write = orig));
    }
  }
  #count(text: string): void {
    this.bytes += Buffer.byteLength(text);
    for (const line of text.split('\n')) {
      if (!line.includes('"_aws"')) continue;
      this.emfBytes += Buffer.byteLength(line) + 1;
      this.emfDocs++;
      try {
        const doc = JSON.parse(line) as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } } & Record<string, unknown>;
        for (const d of doc._aws.CloudWatchMetrics)
          for (const m of d.Metrics) for (const set of d.Dimensions) this.series.add(`${d.Namespace}|${m.Name}|${set.map((k) => `${k}=${String(doc[k])}`).join(',')}`);
      } catch {
        /* not one JSON document per line: bytes still counted */
      }
    }
  }
  stop(): void {
    for (const r of this.#restore.splice(0)) r();
  }
}

const sum = (xs: readonly CallRecord[], f: (c: CallRecord) => number) => xs.reduce((a, c) => a + f(c), 0);

/** Worker invocations: non-empty receives; duration from the receive to the batch's delete/visibility change. */
function workerRuns(calls: readonly CallRecord[]) {
  const runs: number[] = [];
  for (const c of calls) {
    if (c.command !== 'ReceiveMessageCommand' || !c.entries) continue;
    const after = calls
      .filter((d) => d !== c && d.queueUrl === c.queueUrl && d.start >= c.end && /DeleteMessageBatch|ChangeMessageVisibility|ReceiveMessage/.test(d.command))
      .sort((a, b) => a.start - b.start)[0];
    if (after) runs.push(after.start - c.end);
  }
  return runs;
}

async function waitIdle(rec: Recorder, quietMs = 2000, maxMs = 20_000): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const mine = rec.records.filter((r) => r.caller === 'worker');
    const busy = mine.some((r) => r.end === 0);
    const lastEnd = Math.max(t0, ...mine.map((r) => r.end));
    const idleSince = busy ? 0 : performance.now() - lastEnd;
    if (idleSince > quietMs || performance.now() - t0 > maxMs) return;
    await sleep(250);
  }
}

export async function measureUsage(main: LocalStack, stackOpts: Partial<LocalStackOptions>, perKind = 10) {
  const stack = await startLocalStack({
    ...stackOpts,
    port: 0,
    worker: true,
    engines: { dynamoEndpoint: main.endpoints.dynamo, sqsEndpoint: main.endpoints.sqs },
    tableName: 'bench-usage',
    queuePrefix: 'usage-',
  });
  const rec = new Recorder({ capacity: true, tagCallers: true }).attachDynamo(stack.clients.dynamo).attachSqs(stack.clients.sqs);
  const t: Target = targetOf(stack);
  const out: Record<string, unknown> = {};
  const series = new Set<string>();
  let seq = 0;
  try {
    for (const kind of ['sms', 'whatsapp', 'email'] as Kind[]) {
      const ids = Array.from({ length: perKind }, () => 5_000_000 + seq++);
      for (const stage of ['newTicket', 'append'] as const) {
        progress(`usage: ${kind} ${stage}`);
        const reqFor = (i: number): SignedRequest =>
          kind === 'sms' ? smsRequest(t, phone(i)) : kind === 'whatsapp' ? whatsappBatchRequest(t, [phone(i)]) : emailRequest(t, i);
        // Email appends thread by subject token or headers; Postmark mails here open new tickets each time,
        // so an email "append" is the same customer writing again with the ticket token in the subject.
        const ticketOf = new Map<number, string>();
        if (kind === 'email' && stage === 'append') {
          const r = await fetch(`${t.baseUrl}/v1/tickets?channel=email&limit=100`, { headers: { authorization: `Bearer ${t.apiKey}` } });
          for (const tk of ((await r.json()) as { tickets: Array<{ id: string; customerAddress: string }> }).tickets) {
            const m = /customer(\d+)@/.exec(tk.customerAddress);
            if (m) ticketOf.set(Number(m[1]), tk.id);
          }
        }
        await waitIdle(rec);
        rec.take();
        const meter = new OutputMeter();
        meter.start();
        const e2e: number[] = [];
        try {
          for (const i of ids) {
            let req = reqFor(i);
            const tid = ticketOf.get(i);
            if (tid) req = { ...req, body: req.body.replace(/"Subject":"([^"]*)"/, `"Subject":"Re: $1 [#${tid}]"`) };
            e2e.push(await timed(t.baseUrl, req));
          }
          await waitIdle(rec);
        } finally {
          meter.stop();
        }
        for (const s of meter.series) series.add(s);
        const calls = rec.take();
        const ddb = calls.filter((c) => c.service === 'dynamodb');
        const sqsCalls = calls.filter((c) => c.service === 'sqs');
        const by = (who: string) => ddb.filter((c) => c.caller === who);
        const n = ids.length;
        const runs = workerRuns(sqsCalls);
        const sends = sqsCalls.filter((c) => c.caller === 'webhook' && c.command === 'SendMessageBatchCommand');
        const queued = sends.reduce((a, c) => a + (c.entries ?? 0), 0);
        const delayed = sends.reduce((a, c) => a + (c.delayed ?? 0), 0);
        out[`${kind}.${stage}`] = {
          messages: n,
          webhookMs: round(median(e2e), 1),
          webhookInvocations: 1,
          apiGatewayRequests: 1,
          dynamo: {
            webhookRead: round(sum(by('webhook'), (c) => c.readUnits ?? 0) / n, 2),
            webhookWrite: round(sum(by('webhook'), (c) => c.writeUnits ?? 0) / n, 2),
            workerRead: round(sum(by('worker'), (c) => c.readUnits ?? 0) / n, 2),
            workerWrite: round(sum(by('worker'), (c) => c.writeUnits ?? 0) / n, 2),
            // DynamoDB bills a strongly consistent read of a missing item (Local reports 0): keys asked for.
            keysRead: round(sum(ddb, (c) => c.keys ?? 0) / n, 2),
            calls: round(ddb.length / n, 2),
          },
          sqs: {
            requests: round(sum(sqsCalls.filter((c) => c.command !== 'ReceiveMessageCommand' || c.entries), (c) => c.billedRequests ?? 1) / n, 2),
            emptyReceives: sqsCalls.filter((c) => c.command === 'ReceiveMessageCommand' && !c.entries).length,
            jobsQueuedByWebhook: round(queued / n, 2),
            delayedJobsPerMessage: round(delayed / n, 2),
          },
          worker: { invocations: round(runs.length / n, 2), medianMs: round(median(runs), 1) },
          logBytes: round(meter.bytes / n),
          emfBytes: round(meter.emfBytes / n),
          emfDocs: round(meter.emfDocs / n, 2),
        };
      }
    }
  } finally {
    await stack.stop();
  }
  return {
    how: `${perKind} messages per channel and stage on a stack as npm start runs it (its own table and queues on the bench's engines), worker drained after each set; units as DynamoDB Local returns them for ReturnConsumedCapacity=TOTAL; SQS requests counted per 64 KB chunk, empty long-poll receives reported apart; worker duration = receive → delete of each batch; log bytes = everything the stack wrote to stdout/stderr (Powertools logs + EMF)`,
    perMessage: out,
    metricSeriesSeen: series.size,
  };
}
