import { Annotations, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ATTACHMENTS, QUEUES, TABLE, WORKER_BATCH_SIZE, WORKER_TIMEOUT_SECONDS } from '../functions/spec.ts';
import { BUNDLE_ENVIRONMENT, LAMBDA_ENTRIES } from './bundling.ts';
import { BUNDLED_HANDLER, bundledCode } from './lambda-code.ts';
import type { LambdaName } from './settings.ts';
import { SES_INBOUND_PREFIX, type AttachmentStorage } from './storage.ts';
import type { DataStore } from './data.ts';
import type { Queues } from './queues.ts';

export interface FunctionsProps {
  readonly data: DataStore;
  readonly queues: Queues;
  readonly storage: AttachmentStorage;
  /** SNS topics whose SES notifications the webhook accepts. */
  readonly snsTopicArns?: readonly string[];
  /**
   * SES identity ARNs the worker may send from. Empty or absent: the worker gets no SES permission
   * and runs with EMAIL_SENDER=none (outbound email is recorded as not_sent).
   */
  readonly sesIdentityArns?: readonly string[];
  /** Reserved concurrency per function; unset means the account's unreserved pool. */
  readonly reservedConcurrency?: Readonly<Partial<Record<LambdaName, number>>>;
  /** Public base URL providers call (for Twilio's signed URL); defaults to the API's own URL. */
  readonly publicBaseUrl?: string;
  readonly metricsNamespace: string;
  /** Extra environment (SLA targets, auto-ack text, Twilio API base URL). */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention?: logs.RetentionDays;
}

type IndexName = (typeof TABLE.indexes)[number]['name'];

/**
 * DynamoDB access per function: exactly the actions its code path issues through
 * functions/adapters/dynamo-store.ts (TransactWriteItems is authorised per item: the store's
 * transactions hold only Put and Update items, so PutItem/UpdateItem cover them; no ConditionCheck
 * or Delete items). `table` actions apply to the base table; `indexQueries` lists the GSIs the
 * function queries (Query only, on those index ARNs). Nothing Scans or batch-writes; only the api
 * deletes, and only to erase a contact (functions/adapters/dynamo-contacts.ts).
 *
 * - webhook: claimNonce (PutItem); ingest: getIngestContext (BatchGetItem, then GetItem),
 *   commitIngest (transaction of Puts and report-counter Updates); status and edit callbacks
 *   (GetItem; a transaction of an Update and an event Put; UpdateItem).
 * - api: getTicket/getContact/getIdempotentResult (GetItem), getMessages, listEvents, queryStats
 *   (Query on the table), listTickets (Query on every list index: functions/core/ticket-query.ts),
 *   listTicketsByContact (Query on byContact), appendMessage/updateTicket (transactions of Puts and report-counter Updates);
 *   the contact lifecycle (dynamo-contacts.ts): GetItem, Query, PutItem/UpdateItem (also in
 *   transactions of Puts), and conditional DeleteItem of the identity, thread-pointer and message
 *   index items whose keys hold a customer's address or ids when the contact is erased.
 * - worker: re-ingest, status and edit (as the webhook), acks/SLA checks/deliveries: getTicket,
 *   getMessage (GetItem), getMessages (Query on the table), appendMessage/updateTicket,
 *   updateMessageDelivery (transactions of Puts and Updates), claimSend, consumeRateLimit and
 *   markFollowUpsEnqueued (UpdateItem).
 * The infra tests check these still cover every call in the store.
 */
export const TABLE_ACCESS: Readonly<Record<LambdaName, { readonly table: readonly string[]; readonly indexQueries: readonly IndexName[] }>> = {
  webhook: { table: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], indexQueries: [] },
  api: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], indexQueries: TABLE.indexes.map((i) => i.name) },
  worker: { table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem'], indexQueries: [] },
};


/** The webhook, api and worker Lambdas with least-privilege grants and the provider secret. */
export class Functions extends Construct {
  readonly webhook: lambda.Function;
  readonly api: lambda.Function;
  readonly worker: lambda.Function;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { data, queues } = props;

    this.secret = new secretsmanager.Secret(this, 'ProviderSecrets', {
      description: 'Provider secrets and API keys for the support webhooks (JSON: TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID, API_KEYS)',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'unused' },
    });
    NagSuppressions.addResourceSuppressions(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: 'Holds tokens issued by third-party providers (Twilio) and API keys; they are rotated at the provider and put here by the operator.',
      },
    ]);

    const environment: Record<string, string> = {
      STAGE: 'aws',
      TABLE_NAME: data.table.tableName,
      [QUEUES.followUp.urlEnv]: queues.followUp.queue.queueUrl,
      [QUEUES.ingest.urlEnv]: queues.ingest.queue.queueUrl,
      [QUEUES.followUp.dlqUrlEnv]: queues.followUp.dlq.queueUrl,
      [QUEUES.ingest.dlqUrlEnv]: queues.ingest.dlq.queueUrl,
      // Every queue and its DLQ (redrive: functions/core/redrive.ts).
      ...Object.fromEntries(queues.all.flatMap((p) => [[p.spec.urlEnv, p.queue.queueUrl], [p.spec.dlqUrlEnv, p.dlq.queueUrl]])),
      PROVIDER_SECRETS_ARN: this.secret.secretArn,
      METRICS_NAMESPACE: props.metricsNamespace,
      ATTACHMENTS_BUCKET: props.storage.bucket.bucketName,
      ...(props.snsTopicArns?.length ? { SNS_TOPIC_ARNS: props.snsTopicArns.join(',') } : {}),
      POWERTOOLS_SERVICE_NAME: 'support-webhooks',
      ...BUNDLE_ENVIRONMENT, // what the bundling choices need (lib/bundling.ts)
      ...(props.publicBaseUrl ? { PUBLIC_BASE_URL: props.publicBaseUrl } : {}),
      ...props.environment,
    };

    const make = (name: string, key: LambdaName, timeout: Duration, memorySize: number) => {
      const reserved = props.reservedConcurrency?.[key];
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
      const fn = new lambda.Function(this, name, {
        code: bundledCode(LAMBDA_ENTRIES[key]),
        handler: BUNDLED_HANDLER,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize,
        timeout,
        environment,
        ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
      });
      this.secret.grantRead(fn);
      return fn;
    };

    this.webhook = make('Webhook', 'webhook', Duration.seconds(10), 512);
    this.api = make('Api', 'api', Duration.seconds(10), 512);
    this.worker = make('Worker', 'worker', Duration.seconds(WORKER_TIMEOUT_SECONDS), 512);

    // Least privilege: each function gets only what its code path uses.
    const table = data.table;
    const fns: Record<LambdaName, lambda.Function> = { webhook: this.webhook, api: this.api, worker: this.worker };
    for (const [key, access] of Object.entries(TABLE_ACCESS) as Array<[LambdaName, (typeof TABLE_ACCESS)[LambdaName]]>) {
      // Not table.grant(): for a table with indexes it adds every action on `<table>/index/*` too.
      iam.Grant.addToPrincipal({ grantee: fns[key], actions: access.table.map((a) => `dynamodb:${a}`), resourceArns: [table.tableArn] });
      if (access.indexQueries.length) {
        iam.Grant.addToPrincipal({
          grantee: fns[key],
          actions: ['dynamodb:Query'],
          resourceArns: access.indexQueries.map((i) => `${table.tableArn}/index/${i}`),
        });
      }
    }

    const bucket = props.storage.bucket;
    queues.followUp.queue.grantSendMessages(this.webhook);
    queues.ingest.queue.grantSendMessages(this.webhook);
    queues.ingest.dlq.grantSendMessages(this.webhook); // verified items the store can never accept, with the reason
    bucket.grantPut(this.webhook, `${ATTACHMENTS.prefix}*`); // attachment bytes
    bucket.grantRead(this.webhook, `${SES_INBOUND_PREFIX}*`); // SES S3-action mail

    queues.followUp.queue.grantSendMessages(this.api);
    // Redrive (POST /v1/admin/redrive): read and delete each DLQ, send back to its queue.
    for (const pair of queues.all) {
      pair.dlq.grantConsumeMessages(this.api);
      pair.queue.grantSendMessages(this.api);
    }
    bucket.grantRead(this.api, `${ATTACHMENTS.prefix}*`); // presigned download URLs are signed with this grant
    // Erasing a contact deletes its stored bytes (the bucket is unversioned: DeleteObject removes them).
    this.api.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects(`${ATTACHMENTS.prefix}*`)] }));

    queues.followUp.queue.grantSendMessages(this.worker); // SLA re-delays
    // Jobs that can never succeed go to their DLQ at once, with the reason.
    queues.followUp.dlq.grantSendMessages(this.worker);
    queues.ingest.dlq.grantSendMessages(this.worker);
    const sesIdentityArns = props.sesIdentityArns ?? [];
    if (sesIdentityArns.length) {
      // Sending only from the configured identities (SES authorises against the From identity).
      this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [...sesIdentityArns] }));
      this.worker.addEnvironment('EMAIL_SENDER', 'ses');
    } else {
      this.worker.addEnvironment('EMAIL_SENDER', 'none');
      Annotations.of(this.worker).addWarningV2(
        'support-webhooks:ses-not-configured',
        'Outbound email is off: no SES identity is configured, so the worker has no SES permission and records email replies as not_sent. ' +
          'Enable it with -c sesIdentities=example.com (domains or addresses of this account and region) or -c sesIdentityArns=arn:aws:ses:<region>:<account>:identity/example.com.',
      );
    }
    // The worker's only S3 use: call recordings it downloads from the provider (functions/core/services/voice.ts).
    bucket.grantPut(this.worker, `${ATTACHMENTS.prefix}voice/*`);
    // ...and deletes one it stored for a call erased during the download.
    this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects(`${ATTACHMENTS.prefix}voice/*`)] }));
    for (const q of [queues.followUp.queue, queues.ingest.queue]) {
      this.worker.addEventSource(new SqsEventSource(q, { batchSize: WORKER_BATCH_SIZE, reportBatchItemFailures: true }));
    }

    for (const fn of [this.webhook, this.api, this.worker]) {
      NagSuppressions.addResourceSuppressions(
        fn,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason: 'AWSLambdaBasicExecutionRole is the minimal managed policy for writing the function’s own logs.',
            appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason: 'Bucket grants are scoped to a key prefix (attachments/*, attachments/voice/* or inbound/*); the wildcard is the object name under it, plus the s3:GetObject*/s3:List* action families CDK grants for reads.',
            appliesTo: [
              { regex: '/^Resource::<.*Attachments.*\\.Arn>/(attachments|attachments\\/voice|inbound)/\\*$/g' },
              'Action::s3:GetObject*',
              'Action::s3:GetBucket*',
              'Action::s3:List*',
              'Action::s3:Abort*',
            ],
          },
        ],
        true,
      );
    }
  }
}
