/**
 * Lambda entry on the table's DynamoDB stream (NEW_IMAGE; the event source mapping's filter passes
 * only INSERTs of `type = event` and `type = ticket` items, lib/webhooks-out.ts): new log events,
 * and new tickets as the synthetic `ticket.created`, fanned out to the delivery queue. A failure
 * reports the batch's first record, so Lambda retries the whole batch: jobs sent before the failure
 * are sent again with the same webhook-id (receivers dedupe), none is lost.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { TicketEvent } from '../core/ticket-events.ts';
import type { Ticket } from '../core/types.ts';
import { dispatch, type StreamChange, type WebhookDeps } from '../core/services/webhooks-out.ts';
import { webhooksOutRuntime } from '../wiring/webhooks-out.ts';

/** The event source mapping's filter (lib/webhooks-out.ts); the local poller applies the same. */
export const STREAM_FILTER_PATTERN = { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['event', 'ticket'] } } } } as const;
export const passesStreamFilter = (r: DynamoDBRecord): boolean =>
  r.eventName === 'INSERT' && ['event', 'ticket'].includes((r.dynamodb?.NewImage?.['type'] as { S?: string } | undefined)?.S ?? '');

/** The change a stream record carries, if it is one outbound webhooks care about. */
export function changeOf(record: DynamoDBRecord): StreamChange | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item['type'] === 'event' && typeof item['SK'] === 'string' && item['event']) return { kind: 'event', eventKey: item['SK'], event: item['event'] as TicketEvent };
  if (item['type'] === 'ticket' && item['SK'] === 'TICKET' && typeof item['id'] === 'string') return { kind: 'ticket-created', ticket: item as unknown as Ticket };
  return undefined;
}

export async function dispatchRecords(deps: WebhookDeps, records: readonly DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  const changes = records.flatMap((r) => changeOf(r) ?? []);
  try {
    await dispatch(deps, changes);
    return { batchItemFailures: [] };
  } catch (e) {
    const first = records[0]?.dynamodb?.SequenceNumber;
    deps.log.error('webhook dispatch failed; the batch is retried', { records: records.length, error: e instanceof Error ? e.message : String(e) });
    return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
  }
}

export const makeDispatchHandler = (getRuntime: () => Promise<{ deps: WebhookDeps }>) => async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  dispatchRecords((await getRuntime()).deps, event.Records);

export const handler = makeDispatchHandler(webhooksOutRuntime);
