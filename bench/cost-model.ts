/**
 * The monthly bill for a traffic mix, from what the bench measured per message (bench/usage.ts, in
 * bench/results/latest.json) and a dated price table (bench/prices-*.json). Used by scripts/cost.ts.
 */
export type Channel = 'sms' | 'whatsapp' | 'email';

export interface PerMessage {
  webhookMs: number;
  webhookInvocations: number;
  apiGatewayRequests: number;
  dynamo: { webhookRead: number; webhookWrite: number; workerRead: number; workerWrite: number; keysRead: number };
  sqs: { requests: number; delayedJobsPerMessage: number };
  worker: { invocations: number; medianMs: number | null };
  logBytes: number;
  emfBytes: number;
}

export interface Prices {
  date: string;
  region: string;
  dynamodb: { writeRequestUnitsPerMillion: number; readRequestUnitsPerMillion: number };
  sqs: { standardRequestsPerMillion: number };
  lambda: { arm64PerGbSecond: number; requestsPerMillion: number };
  apiGateway: { httpApiRequestsPerMillion: number };
  cloudwatch: { logsIngestedPerGb: number; customMetricPerMonth: number };
  assumptions: { lambdaPlatformLogBytesPerInvocation: number; sqsPollerRequestsPerQueuePerMonth: number };
}

export interface CostOptions {
  messages: number;
  mix: Record<Channel, number>;
  messagesPerTicket: number;
  slaHops: number;
  memoryMb: { webhook: number; worker: number };
  metricSeries: number;
}

/** Average one message of the mix: channels by weight, a ticket's first message 1 in `messagesPerTicket`. */
export function blend(per: Record<string, PerMessage>, o: CostOptions) {
  const total = Object.values(o.mix).reduce((a, b) => a + b, 0);
  const fNew = 1 / o.messagesPerTicket;
  const acc = { webhookGbS: 0, workerInvocations: 0, workerGbS: 0, reads: 0, writes: 0, sqs: 0, apigw: 0, logBytes: 0, emfBytes: 0, delayed: 0 };
  for (const [ch, w] of Object.entries(o.mix) as Array<[Channel, number]>) {
    for (const [stage, f] of [['newTicket', fNew], ['append', 1 - fNew]] as const) {
      const m = per[`${ch}.${stage}`];
      if (!m) throw new Error(`the bench results have no figures for ${ch}.${stage}: run npm run bench (or npm run bench -- --only usage)`);
      const k = (w / total) * f;
      const workerMs = m.worker.medianMs ?? 0;
      acc.webhookGbS += k * m.webhookInvocations * (m.webhookMs / 1000) * (o.memoryMb.webhook / 1024);
      acc.workerInvocations += k * m.worker.invocations;
      acc.workerGbS += k * m.worker.invocations * (workerMs / 1000) * (o.memoryMb.worker / 1024);
      // DynamoDB bills at least one read unit per strongly consistent key read, found or not (Local reports 0 for a miss).
      acc.reads += k * Math.max(m.dynamo.webhookRead + m.dynamo.workerRead, m.dynamo.keysRead);
      acc.writes += k * (m.dynamo.webhookWrite + m.dynamo.workerWrite);
      acc.sqs += k * m.sqs.requests;
      acc.apigw += k * m.apiGatewayRequests;
      acc.logBytes += k * m.logBytes;
      acc.emfBytes += k * m.emfBytes;
      acc.delayed += k * m.sqs.delayedJobsPerMessage;
    }
  }
  return acc;
}

export function estimate(per: Record<string, PerMessage>, prices: Prices, o: CostOptions, workerMsFallback: number) {
  const b = blend(per, o);
  const N = o.messages;
  const M = 1e6;
  // Each delayed job (an SLA check) comes back `slaHops` times: a receive, a re-delay send and a delete,
  // one worker invocation on its own and one consistent read of the ticket (≤ 4 KB) per hop.
  const hops = b.delayed * o.slaHops;
  const hopGbS = hops * (workerMsFallback / 1000) * (o.memoryMb.worker / 1024);
  const invocations = 1 + b.workerInvocations + hops;
  const lines = [
    {
      service: 'DynamoDB',
      usd: (N * (b.reads + hops)) / M * prices.dynamodb.readRequestUnitsPerMillion + ((N * b.writes) / M) * prices.dynamodb.writeRequestUnitsPerMillion,
      what: `${(b.reads + hops).toFixed(2)} RRU + ${b.writes.toFixed(2)} WRU per message (on-demand)`,
    },
    {
      service: 'SQS',
      usd: ((N * (b.sqs + 3 * hops)) / M) * prices.sqs.standardRequestsPerMillion,
      fixed: ((2 * prices.assumptions.sqsPollerRequestsPerQueuePerMonth) / M) * prices.sqs.standardRequestsPerMillion,
      what: `${(b.sqs + 3 * hops).toFixed(2)} requests per message (+ idle long polls of 2 queues, fixed)`,
    },
    {
      service: 'Lambda',
      usd: ((N * invocations) / M) * prices.lambda.requestsPerMillion + N * (b.webhookGbS + b.workerGbS + hopGbS) * prices.lambda.arm64PerGbSecond,
      what: `${invocations.toFixed(2)} invocations, ${((b.webhookGbS + b.workerGbS + hopGbS) * 1000).toFixed(1)} GB-ms per message (arm64, webhook ${o.memoryMb.webhook} MB, worker ${o.memoryMb.worker} MB)`,
    },
    {
      service: 'API Gateway',
      usd: ((N * b.apigw) / M) * prices.apiGateway.httpApiRequestsPerMillion,
      what: `${b.apigw.toFixed(2)} HTTP API requests per message`,
    },
    {
      service: 'CloudWatch',
      usd: ((N * (b.logBytes + invocations * prices.assumptions.lambdaPlatformLogBytesPerInvocation)) / 2 ** 30) * prices.cloudwatch.logsIngestedPerGb,
      fixed: o.metricSeries * prices.cloudwatch.customMetricPerMonth,
      what: `${Math.round(b.logBytes + invocations * prices.assumptions.lambdaPlatformLogBytesPerInvocation)} log bytes per message (${Math.round(b.emfBytes)} EMF) + ${o.metricSeries} custom metric series (fixed)`,
    },
  ];
  const variable = lines.reduce((a, l) => a + l.usd, 0);
  const fixed = lines.reduce((a, l) => a + (l.fixed ?? 0), 0);
  return { lines, variable, fixed, per1000: (variable / N) * 1000, blended: b, slaHopsPerMessage: hops };
}

/** A committed dated run: `YYYY-MM-DD.json`, or `YYYY-MM-DD-HHMM.json` for a later run of the same day. */
const DATED = /^(\d{4}-\d{2}-\d{2})(?:-(\d{4}))?\.json$/;

/**
 * The newest dated results file among `names` for which `usable` holds (a run may have been partial,
 * e.g. `--only ingest`), by date and then time of day; a day's plain file counts as 00:00.
 */
export function newestDatedRun(names: readonly string[], usable: (name: string) => boolean = () => true): string | undefined {
  const key = (n: string) => {
    const m = DATED.exec(n)!;
    return `${m[1]}-${m[2] ?? '0000'}`;
  };
  return names
    .filter((n) => DATED.test(n))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .reverse()
    .find(usable);
}
