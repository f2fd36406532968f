/**
 * The webhook function's wiring. Runs: provider verification and parsing (channels), ingest into
 * DynamoDB, follow-ups and parking on SQS, attachment bytes to S3 and SES S3-action mail from it,
 * SNS certificate fetches. Does not run: senders (no SES client, no nodemailer), presigned URLs, retries.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bounded, CLIENT_TIMEOUTS } from '../adapters/client-options.ts';
import { createHttpFetcher } from '../adapters/http-fetcher.ts';
import { lazyS3Client, type ClientSource } from '../adapters/lazy-client.ts';
import { S3ObjectStore } from '../adapters/s3-objects.ts';
import { SqsDeadLetters, SqsParkingQueue } from '../adapters/sqs-queue.ts';
import type { Config } from '../config.ts';
import { rulesPorts } from './rules.ts';
import type { CoreDeps } from '../core/ports.ts';
import { commonDeps, notWired, perContainer, type FunctionRuntime } from './common.ts';
import { voiceDeps } from './voice.ts';

export interface WebhookClients {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Made on the first attachment or SES S3-action mail (adapters/lazy-client.ts). */
  readonly s3: ClientSource<S3Client>;
}

export const webhookClients = (): WebhookClients => ({
  dynamo: new DynamoDBClient(bounded(CLIENT_TIMEOUTS.dynamo)),
  sqs: new SQSClient(bounded(CLIENT_TIMEOUTS.sqs)),
  s3: lazyS3Client(),
});

export function webhookDeps(config: Config, clients: WebhookClients): CoreDeps {
  const objects = new S3ObjectStore(clients.s3, config.attachmentsBucket);
  return {
    ...commonDeps(config, clients),
    rules: rulesPorts(config, clients),
    parking: new SqsParkingQueue(clients.sqs, config.ingestQueueUrl),
    deadLetters: new SqsDeadLetters(clients.sqs, config.dlqUrls),
    attachments: {
      put: (key, body, contentType) => objects.put(key, body, contentType),
      getObject: (bucket, key) => objects.getObject(bucket, key),
      downloadUrl: () => Promise.reject(new Error('attachments.downloadUrl is not wired in the webhook function')),
    },
    http: createHttpFetcher(config),
    voice: voiceDeps(config, clients.dynamo),
    retries: notWired('webhook', 'retries'),
    contacts: notWired('webhook', 'contacts'),
    senders: notWired('webhook', 'senders'),
  };
}

export const webhookRuntime: () => Promise<FunctionRuntime> = perContainer((config) => ({ config, deps: webhookDeps(config, webhookClients()) }));
