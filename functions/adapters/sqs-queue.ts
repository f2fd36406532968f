/** JobQueue and ParkingQueue on SQS. The only SQS-aware code. */
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetters, JobQueue, ParkingQueue, Retries } from '../core/ports.ts';
import type { Job, QueuedJob } from '../core/types.ts';

/**
 * A job as an SQS body: JSON with every character SQS (or fauxqs) may refuse escaped as `\uXXXX`
 * (characters outside the Basic Multilingual Plane, lone surrogates, U+FFFE/U+FFFF), so customer
 * text of any kind can always be queued. JSON.parse gives back the same string.
 */
export const encodeJob = (job: Job): string =>
  JSON.stringify(job).replace(/[^\t\n\r\x20-\ud7ff\ue000-\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export class SqsJobQueue implements JobQueue {
  readonly #sqs: SQSClient;
  readonly #url: string;
  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#url = queueUrl;
  }

  async enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      const chunk = jobs.slice(i, i + 10);
      const r = await this.#sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#url,
          Entries: chunk.map((j, n) => ({
            Id: String(n),
            MessageBody: encodeJob(j.job),
            DelaySeconds: j.delaySeconds,
            MessageAttributes: { kind: { DataType: 'String', StringValue: j.job.kind } },
          })),
        }),
      );
      if (r.Failed?.length) {
        throw new Error(`SQS refused ${r.Failed.length} follow-up(s): ${r.Failed.map((f) => f.Code).join(', ')}`);
      }
    }
  }
}

/** SQS batch limits: 10 entries and 256 KB in all (we keep a margin). */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 200 * 1024;

export class SqsParkingQueue implements ParkingQueue {
  readonly #sqs: SQSClient;
  readonly #url: string;
  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#url = queueUrl;
  }

  /** Park every job, in batches sent at once; throws unless SQS accepted them all. */
  async parkAll(jobs: readonly Job[]): Promise<void> {
    const chunks: Array<Array<{ body: string; kind: string }>> = [];
    let size = 0;
    for (const job of jobs) {
      const body = encodeJob(job);
      const last = chunks.at(-1);
      if (!last || last.length >= BATCH_ENTRIES || size + body.length > BATCH_BYTES) {
        chunks.push([{ body, kind: job.kind }]);
        size = body.length;
      } else {
        last.push({ body, kind: job.kind });
        size += body.length;
      }
    }
    await Promise.all(chunks.map((c) => this.#send(c)));
  }

  async #send(chunk: ReadonlyArray<{ body: string; kind: string }>): Promise<void> {
    const attrs = (kind: string) => ({ kind: { DataType: 'String', StringValue: kind } });
    if (chunk.length === 1) {
      await this.#sqs.send(new SendMessageCommand({ QueueUrl: this.#url, MessageBody: chunk[0]!.body, MessageAttributes: attrs(chunk[0]!.kind) }));
      return;
    }
    const r = await this.#sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.#url,
        Entries: chunk.map((c, i) => ({ Id: String(i), MessageBody: c.body, MessageAttributes: attrs(c.kind) })),
      }),
    );
    if (r.Failed?.length) throw new Error(`SQS refused ${r.Failed.length} parked item(s): ${r.Failed.map((f) => f.Code).join(', ')}`);
  }
}

/** DeadLetters on the queues' DLQs (URLs from config). */
export class SqsDeadLetters implements DeadLetters {
  readonly #sqs: SQSClient;
  readonly #urls: Readonly<Partial<Record<'followUp' | 'ingest', string>>>;
  constructor(sqs: SQSClient, urls: Readonly<Partial<Record<'followUp' | 'ingest', string>>>) {
    this.#sqs = sqs;
    this.#urls = urls;
  }

  async send(queue: 'followUp' | 'ingest', body: string | Job, reason: string, error: string): Promise<boolean> {
    const url = this.#urls[queue];
    if (!url) return false;
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: typeof body === 'string' ? body : encodeJob(body),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason },
          error: { DataType: 'String', StringValue: error.slice(0, 1000) || reason },
          deadLetteredAt: { DataType: 'String', StringValue: new Date().toISOString() },
        },
      }),
    );
    return true;
  }
}

/** Retries on SQS: shorten a failed record's visibility so it comes back after the chosen delay. */
export class SqsRetries implements Retries {
  readonly #sqs: SQSClient;
  readonly #urls: Readonly<Record<'followUp' | 'ingest', string>>;
  constructor(sqs: SQSClient, urls: Readonly<Record<'followUp' | 'ingest', string>>) {
    this.#sqs = sqs;
    this.#urls = urls;
  }

  async retryIn(queue: 'followUp' | 'ingest', receiptHandle: string, seconds: number): Promise<void> {
    await this.#sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.#urls[queue], ReceiptHandle: receiptHandle, VisibilityTimeout: Math.round(seconds) }));
  }
}
