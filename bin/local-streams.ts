/**
 * The table's DynamoDB stream, polled locally (DynamoDB Local supports streams) and handed to the
 * webhook dispatcher handler as the Lambda event source mapping would: batches of Lambda-shaped
 * records, filtered like the deployed mapping, each shard in order, resuming from the first failed
 * record (partial batch response) and from its checkpoint after stop()/start(): nothing is lost,
 * a retried batch only re-sends jobs with the same webhook-id.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { passesStreamFilter } from '../functions/webhooks-out/dispatcher.ts';
import { LEAN_SDK } from '../functions/adapters/sdk-lean.ts';

export interface LocalStreamPoller {
  /** Stop polling (like killing the dispatcher); resolves when the batch in flight is done. */
  stop(): Promise<void>;
  /** Poll again from each shard's checkpoint. */
  start(): void;
  /**
   * Resolves once a poll that began after this call found no new records: everything written to
   * the table before the call has been handed to the dispatcher. Wakes an idle poller at once.
   * Resolves at once when the poller is stopped. (The bench waits for it between timed messages.)
   */
  caughtUp(): Promise<void>;
}

interface ShardState {
  /** Last sequence number handed over successfully. */
  checkpoint?: string;
  iterator?: string | undefined;
  closed: boolean;
}

export function startStreamPoller(opts: {
  readonly dynamo: DynamoDBClient;
  readonly endpoint: string;
  readonly tableName: string;
  readonly handler: (e: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  readonly onError: (msg: string, extra: Record<string, unknown>) => void;
  readonly idleMs?: number;
}): LocalStreamPoller {
  const streams = new DynamoDBStreamsClient({ endpoint: opts.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...LEAN_SDK });
  const shards = new Map<string, ShardState>();
  let running = false;
  let loop: Promise<void> | undefined;
  const idle = opts.idleMs ?? 200;
  // caughtUp(): poll cycles are numbered as they start; a waiter is released by an empty cycle that started after it.
  let cycle = 0;
  let wake: (() => void) | undefined;
  const waiters = new Set<{ readonly after: number; readonly done: () => void }>();
  const releaseUpTo = (emptyCycle: number) => {
    for (const w of waiters) {
      if (emptyCycle <= w.after) continue;
      waiters.delete(w);
      w.done();
    }
  };

  const iteratorFor = async (arn: string, shardId: string, s: ShardState): Promise<string | undefined> =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shardId,
          ...(s.checkpoint ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: s.checkpoint } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;

  async function pollOnce(arn: string): Promise<boolean> {
    const d = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    let any = false;
    for (const shard of d.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      const s = shards.get(id) ?? { closed: false };
      shards.set(id, s);
      if (s.closed) continue;
      s.iterator ??= await iteratorFor(arn, id, s);
      if (!s.iterator) continue;
      const r = await streams.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: 100 }));
      const records = (r.Records ?? []) as unknown as StreamRecord[];
      s.iterator = r.NextShardIterator;
      if (!r.NextShardIterator) s.closed = true;
      if (records.length === 0) continue;
      any = true;
      const last = records.at(-1)!.dynamodb!.SequenceNumber!;
      const lambdaRecords = records.map(toLambdaRecord).filter(passesStreamFilter);
      if (lambdaRecords.length) {
        let failedAt: string | undefined;
        try {
          const out = await opts.handler({ Records: lambdaRecords });
          failedAt = out.batchItemFailures[0]?.itemIdentifier;
        } catch (e) {
          failedAt = lambdaRecords[0]!.dynamodb!.SequenceNumber;
          opts.onError('local stream dispatcher threw', { error: String(e) });
        }
        if (failedAt) {
          // Like Lambda's bisect-free retry: resume at the failed record (checkpoint = the one before it).
          const i = records.findIndex((x) => x.dynamodb?.SequenceNumber === failedAt);
          const before = i > 0 ? records[i - 1]!.dynamodb!.SequenceNumber : undefined;
          if (before) s.checkpoint = before;
          s.iterator = undefined;
          s.closed = false;
          await new Promise((ok) => setTimeout(ok, 500));
          continue;
        }
      }
      s.checkpoint = last;
    }
    return any;
  }

  const run = async () => {
    let arn: string | undefined;
    while (running) {
      try {
        arn ??= (await opts.dynamo.send(new DescribeTableCommand({ TableName: opts.tableName }))).Table?.LatestStreamArn;
        if (!arn) throw new Error(`table ${opts.tableName} has no stream`);
        const n = ++cycle;
        if (!(await pollOnce(arn))) {
          releaseUpTo(n);
          await new Promise<void>((ok) => {
            const t = setTimeout(ok, idle);
            wake = () => {
              clearTimeout(t);
              ok();
            };
          });
          wake = undefined;
        }
      } catch (e) {
        if (!running) return;
        for (const s of shards.values()) s.iterator = undefined; // iterators expire; re-get from checkpoints
        opts.onError('local stream poller error', { error: String(e) });
        await new Promise((ok) => setTimeout(ok, 500));
      }
    }
  };

  const poller: LocalStreamPoller = {
    async stop() {
      running = false;
      wake?.();
      await loop;
      for (const s of shards.values()) s.iterator = undefined;
      releaseUpTo(Infinity);
    },
    caughtUp() {
      if (!running) return Promise.resolve();
      return new Promise<void>((done) => {
        waiters.add({ after: cycle, done });
        wake?.();
      });
    },
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
  };
  poller.start();
  return poller;
}

function toLambdaRecord(r: StreamRecord): DynamoDBRecord {
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ...(r.dynamodb?.Keys ? { Keys: r.dynamodb.Keys as never } : {}),
      ...(r.dynamodb?.NewImage ? { NewImage: r.dynamodb.NewImage as never } : {}),
      SequenceNumber: r.dynamodb?.SequenceNumber,
      SizeBytes: r.dynamodb?.SizeBytes,
      StreamViewType: r.dynamodb?.StreamViewType as never,
    },
  } as DynamoDBRecord;
}
