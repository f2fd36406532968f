/**
 * Lambda entry on the webhook delivery queue: one job = one attempt of one event to one
 * subscription (core/services/webhooks-out.ts deliver). Retries are new delayed messages, so a
 * record is done once its attempt is recorded; only store/queue failures report it failed (SQS
 * brings it back; maxReceiveCount then moves it to the DLQ).
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { DeliveryJob } from '../core/events-out/types.ts';
import { deliver, type WebhookDeps } from '../core/services/webhooks-out.ts';
import { webhooksOutRuntime } from '../wiring/webhooks-out.ts';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const DeliveryJobSchema = z
  .object({
    kind: z.literal('webhook-delivery'),
    subscriptionId: z.string().regex(ULID),
    ticketId: z.string().regex(ULID),
    eventKey: z.string().regex(/^(TICKET|EVT#[^\s]{1,100})$/),
    attempt: z.number().int().min(1).max(100),
    notBefore: z.iso.datetime().optional(),
    replay: z.boolean().optional(),
  })
  .strict();

export function parseDeliveryJob(body: string): DeliveryJob | undefined {
  try {
    const r = DeliveryJobSchema.safeParse(JSON.parse(body));
    return r.success ? (r.data as DeliveryJob) : undefined;
  } catch {
    return undefined;
  }
}

/** True when the record is done (delivered, retry scheduled, dead-lettered or skipped). */
export async function deliverRecord(deps: WebhookDeps, record: Pick<SQSRecord, 'body' | 'messageId'>): Promise<boolean> {
  const job = parseDeliveryJob(record.body);
  if (!job) {
    // No retry can make it one: to the DLQ at once, with the reason (left to SQS only if that fails).
    try {
      await deps.webhooks.queue.deadLetter(record.body, 'invalid_job', 'the message body is not a webhook delivery job');
      deps.log.error('not a webhook delivery job; moved to the DLQ', { messageId: record.messageId });
      return true;
    } catch (e) {
      deps.log.error('not a webhook delivery job; the DLQ refused it, retrying until SQS moves it', { messageId: record.messageId, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }
  try {
    await deliver(deps, job);
    return true;
  } catch (e) {
    deps.log.error('webhook delivery failed; retried', { messageId: record.messageId, subscriptionId: job.subscriptionId, error: e instanceof Error ? e.message : String(e) });
    return false;
  }
}

export const makeDeliveryHandler = (getRuntime: () => Promise<{ deps: WebhookDeps }>) => async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const { deps } = await getRuntime();
  const results = await Promise.all(event.Records.map(async (r) => ((await deliverRecord(deps, r)) ? undefined : r.messageId)));
  return { batchItemFailures: results.flatMap((id) => (id ? [{ itemIdentifier: id }] : [])) };
};

export const handler = makeDeliveryHandler(webhooksOutRuntime);
