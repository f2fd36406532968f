/**
 * Composition root. How each Lambda is wired, one file per function (each entry imports only its own):
 *
 * | function | AWS clients            | adapters beyond the common ones¹                          | not wired (throws if reached)          |
 * |----------|------------------------|-----------------------------------------------------------|----------------------------------------|
 * | webhook  | DynamoDB, SQS, S3      | parking, dead letters, S3 object put/get, HTTPS fetcher   | senders, retries, presigned URLs       |
 * |          |                        | (SNS certificates); channel modules (verify + parse)      |                                        |
 * | api      | DynamoDB, SQS, S3²     | presigned download URLs, S3 deletes (erase); ApiService   | channels, senders, parking, DLQs,      |
 * |          |                        |                                                           | retries, HTTPS fetcher, S3 put/get     |
 * | worker   | DynamoDB, SQS, SESv2³  | dead letters, retries, senders (SES via nodemailer's      | channels, parking, S3, HTTPS fetcher   |
 * |          |                        | composer; Twilio, Meta, Telegram, X, Vonage, MessageBird) |                                        |
 *
 * ¹ functions/wiring/common.ts: DynamoDB ticket store, follow-up queue, EMF metrics, logger, clock,
 *   ids, settings, and config loading (functions/config.ts, + the provider secret when deployed).
 * ² signs URLs; called only for DeleteObject when a contact is erased.  ³ only with EMAIL_SENDER=ses.
 *
 * Files: functions/wiring/{webhook,api,worker}.ts, used by functions/{webhook,api,worker}/handler.ts.
 * This module builds everything at once for the local stack (bin/local-stack.ts) and the tests,
 * which run all three handlers on one runtime; Lambda entries never import it.
 */
import { S3AttachmentStore } from './adapters/attachments.ts';
import { DynamoContactStore } from './adapters/dynamo-contacts.ts';
import { S3ObjectEraser } from './adapters/s3-erase.ts';
import type { AwsClients } from './adapters/clients.ts';
import { createHttpFetcher } from './adapters/http-fetcher.ts';
import { SqsDeadLetters, SqsParkingQueue, SqsRetries } from './adapters/sqs-queue.ts';
import { SqsDeadLetterQueues } from './adapters/sqs-redrive.ts';
import { ApiService } from './api/service.ts';
import type { Config } from './config.ts';
import type { CoreDeps } from './core/ports.ts';
import { commonDeps } from './wiring/common.ts';
import { rulesPorts } from './wiring/rules.ts';
import { createSenders } from './wiring/worker.ts';
import { withWebhooks } from './wiring/webhooks-out.ts';
import { voiceDeps } from './wiring/voice.ts';

export { createHttpFetcher } from './adapters/http-fetcher.ts';
export { loadConfig } from './wiring/common.ts';
export { createSenders } from './wiring/worker.ts';

export interface Runtime {
  readonly config: Config;
  readonly deps: CoreDeps;
  readonly api: ApiService;
}

/** Every port wired (the union of the three functions'), with `overrides` on top. */
export function createRuntime(config: Config, clients: AwsClients, overrides: Partial<CoreDeps> = {}): Runtime {
  const deps: CoreDeps = {
    ...commonDeps(config, clients),
    contacts: new DynamoContactStore(clients.dynamo, config.tableName, new S3ObjectEraser(clients.s3, config.attachmentsBucket)),
    parking: new SqsParkingQueue(clients.sqs, config.ingestQueueUrl),
    deadLetters: new SqsDeadLetters(clients.sqs, config.dlqUrls),
    retries: new SqsRetries(clients.sqs, { followUp: config.followUpQueueUrl, ingest: config.ingestQueueUrl }),
    senders: createSenders(config, clients),
    attachments: new S3AttachmentStore(clients.s3, config.attachmentsBucket),
    http: createHttpFetcher(config),
    rules: rulesPorts(config, clients),
    deadLetterQueues: new SqsDeadLetterQueues(clients.sqs, config.queueUrls),
    ...withWebhooks(config, clients),
    voice: voiceDeps(config, clients.dynamo, {}, fetch, clients.s3),
    ...overrides,
  };
  return { config, deps, api: new ApiService(deps, config) };
}
