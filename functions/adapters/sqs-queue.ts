/** JobQueue and ParkingQueue on SQS. The only SQS-aware code. */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobQueue, ParkingQueue } from '../core/ports.ts';
import type { Job, QueuedJob } from '../core/types.ts';

export const encodeJob = (job: Job): string => JSON.stringify(job);

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

export class SqsParkingQueue implements ParkingQueue {
  readonly #sqs: SQSClient;
  readonly #url: string;
  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#url = queueUrl;
  }

  async park(job: Job): Promise<void> {
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#url,
        MessageBody: encodeJob(job),
        MessageAttributes: { kind: { DataType: 'String', StringValue: job.kind } },
      }),
    );
  }
}
