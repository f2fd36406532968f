/** The webhook delivery queue on SQS: batched sends with per-message delays, and its DLQ with the reason. */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryJob, DeliveryQueue } from '../core/events-out/types.ts';

export class SqsDeliveryQueue implements DeliveryQueue {
  readonly #sqs: SQSClient;
  readonly #url: string;
  readonly #dlqUrl: string | undefined;
  constructor(sqs: SQSClient, url: string, dlqUrl: string | undefined) {
    this.#sqs = sqs;
    this.#url = url;
    this.#dlqUrl = dlqUrl;
  }

  async send(jobs: ReadonlyArray<{ readonly job: DeliveryJob; readonly delaySeconds: number }>): Promise<void> {
    for (let i = 0; i < jobs.length; i += 10) {
      let chunk = jobs.slice(i, i + 10).map((j, n) => ({ Id: String(n), MessageBody: JSON.stringify(j.job), DelaySeconds: Math.min(900, Math.max(0, Math.round(j.delaySeconds))) }));
      // Entries SQS refused for a transient reason are sent again; anything else throws (the stream batch is retried).
      for (let tries = 0; chunk.length; tries++) {
        const r = await this.#sqs.send(new SendMessageBatchCommand({ QueueUrl: this.#url, Entries: chunk }));
        const failed = new Set((r.Failed ?? []).map((f) => f.Id));
        if (failed.size && (tries >= 2 || (r.Failed ?? []).some((f) => f.SenderFault))) {
          throw new Error(`SQS refused ${failed.size} webhook delivery job(s): ${(r.Failed ?? []).map((f) => f.Code).join(', ')}`);
        }
        chunk = chunk.filter((e) => failed.has(e.Id));
      }
    }
  }

  async deadLetter(job: DeliveryJob | string, reason: string, error: string): Promise<void> {
    if (!this.#dlqUrl) throw new Error('WEBHOOK_DLQ_URL is not set');
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#dlqUrl,
        MessageBody: typeof job === 'string' ? job : JSON.stringify(job),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason },
          error: { DataType: 'String', StringValue: error.slice(0, 1000) || reason },
          deadLetteredAt: { DataType: 'String', StringValue: new Date().toISOString() },
        },
      }),
    );
  }
}
