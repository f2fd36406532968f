/** DeadLetterQueues on SQS: each queue of the stack with its DLQ (URLs from config or the local stack). */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ClientError } from '../core/errors.ts';
import { DEAD_LETTER_ATTRIBUTES, queueName, type DeadLetter, type DeadLetterQueues, type QueueId } from '../core/redrive.ts';

export type QueueUrls = Readonly<Partial<Record<string, { readonly url?: string | undefined; readonly dlqUrl?: string | undefined }>>>;

export class SqsDeadLetterQueues implements DeadLetterQueues {
  readonly #sqs: SQSClient;
  readonly #urls: QueueUrls;
  /** Full attributes of what was received, so a send carries them all (binary ones too). */
  readonly #attrs = new Map<string, Record<string, MessageAttributeValue>>();

  constructor(sqs: SQSClient, urls: QueueUrls) {
    this.#sqs = sqs;
    this.#urls = urls;
  }

  #pair(queue: QueueId): { url: string; dlqUrl: string } {
    const p = this.#urls[queue];
    if (!p?.url || !p.dlqUrl) throw new ClientError(409, 'queue_not_configured', `The ${queueName(queue)} queue or its DLQ is not configured in this deployment.`);
    return { url: p.url, dlqUrl: p.dlqUrl };
  }

  async count(queue: QueueId) {
    const r = await this.#sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.#pair(queue).dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { waiting: Number(r.Attributes?.['ApproximateNumberOfMessages'] ?? 0), inFlight: Number(r.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0) };
  }

  async receive(queue: QueueId, max: number, visibilitySeconds: number): Promise<DeadLetter[]> {
    const r = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#pair(queue).dlqUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return (r.Messages ?? []).map((m) => {
      const attrs = m.MessageAttributes ?? {};
      this.#attrs.set(m.MessageId!, attrs);
      return {
        id: m.MessageId!,
        receipt: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: Object.fromEntries(Object.entries(attrs).flatMap(([k, v]) => (v.StringValue !== undefined ? [[k, v.StringValue]] : []))),
      };
    });
  }

  async sendToSource(queue: QueueId, messages: readonly DeadLetter[]): Promise<ReadonlySet<string>> {
    const r = await this.#sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.#pair(queue).url,
        Entries: messages.map((m, i) => {
          const attrs = Object.fromEntries(
            Object.entries(this.#attrs.get(m.id) ?? {}).filter(([k]) => !(DEAD_LETTER_ATTRIBUTES as readonly string[]).includes(k)),
          );
          return { Id: String(i), MessageBody: m.body, ...(Object.keys(attrs).length ? { MessageAttributes: attrs } : {}) };
        }),
      }),
    );
    return new Set((r.Failed ?? []).map((f) => messages[Number(f.Id)]!.id));
  }

  async remove(queue: QueueId, messages: readonly DeadLetter[]): Promise<void> {
    const r = await this.#sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: this.#pair(queue).dlqUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receipt })) }),
    );
    for (const m of messages) this.#attrs.delete(m.id);
    // Sent but not deleted: a second copy stays in the DLQ (at-least-once); say so rather than hide it.
    if (r.Failed?.length) throw new Error(`moved ${messages.length} message(s) but SQS refused to delete ${r.Failed.length} from the DLQ: they may be redriven twice`);
  }

  async release(queue: QueueId, messages: readonly DeadLetter[]): Promise<void> {
    if (!messages.length) return;
    await this.#sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.#pair(queue).dlqUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receipt, VisibilityTimeout: 0 })),
      }),
    );
    for (const m of messages) this.#attrs.delete(m.id);
  }
}
