/**
 * The api function's wiring. Runs: ticket reads and writes on DynamoDB, delivery jobs on SQS,
 * presigned attachment URLs (S3 presigner), S3 deletes of a contact's stored bytes on erase. Does not run: channel parsers or
 * verification, senders, parking, retries, outbound fetches.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3DownloadLinks } from '../adapters/attachments.ts';
import { DynamoContactStore } from '../adapters/dynamo-contacts.ts';
import { voiceDeps } from './voice.ts';
import { S3ObjectEraser } from '../adapters/s3-erase.ts';
import { SqsDeadLetterQueues } from '../adapters/sqs-redrive.ts';
import { bounded, CLIENT_TIMEOUTS } from '../adapters/client-options.ts';
import { lazyS3Client, type ClientSource } from '../adapters/lazy-client.ts';
import { ApiService } from '../api/service.ts';
import type { Config } from '../config.ts';
import { rulesPorts } from './rules.ts';
import type { CoreDeps } from '../core/ports.ts';
import { commonDeps, notWired, perContainer, type FunctionRuntime } from './common.ts';
import { withWebhooks } from './webhooks-out.ts';

export interface ApiClients {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Signs URLs; its only calls are DeleteObject when a contact is erased. Made on first use. */
  readonly s3: ClientSource<S3Client>;
}

export interface ApiRuntime extends FunctionRuntime {
  readonly api: ApiService;
}

export const apiClients = (): ApiClients => ({
  dynamo: new DynamoDBClient(bounded(CLIENT_TIMEOUTS.dynamo)),
  sqs: new SQSClient(bounded(CLIENT_TIMEOUTS.sqs)),
  s3: lazyS3Client(),
});

export function apiDeps(config: Config, clients: ApiClients): CoreDeps {
  const links = new S3DownloadLinks(clients.s3, config.attachmentsBucket);
  return {
    ...commonDeps(config, clients),
    contacts: new DynamoContactStore(clients.dynamo, config.tableName, new S3ObjectEraser(clients.s3, config.attachmentsBucket)),
    attachments: {
      downloadUrl: (key, filename) => links.downloadUrl(key, filename),
      put: () => Promise.reject(new Error('attachments.put is not wired in the api function')),
      getObject: () => Promise.reject(new Error('attachments.getObject is not wired in the api function')),
    },
    parking: notWired('api', 'parking'),
    deadLetters: notWired('api', 'deadLetters'),
    retries: notWired('api', 'retries'),
    http: notWired('api', 'http'),
    // Voice replies read VOICE_REPLY_BY_SMS (core/services/voice-replies.ts).
    voice: voiceDeps(config, clients.dynamo),
    senders: notWired('api', 'senders'),
    rules: rulesPorts(config, clients),
    deadLetterQueues: new SqsDeadLetterQueues(clients.sqs, config.queueUrls),
    ...withWebhooks(config, clients),
  };
}

export const apiRuntime: () => Promise<ApiRuntime> = perContainer((config) => {
  const deps = apiDeps(config, apiClients());
  return { config, deps, api: new ApiService(deps, config) };
});
