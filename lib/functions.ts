import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { ATTACHMENTS, QUEUES, WORKER_BATCH_SIZE, WORKER_TIMEOUT_SECONDS } from '../functions/spec.ts';
import { SES_INBOUND_PREFIX, type AttachmentStorage } from './storage.ts';
import type { DataStore } from './data.ts';
import type { Queues } from './queues.ts';

export interface FunctionsProps {
  readonly data: DataStore;
  readonly queues: Queues;
  readonly storage: AttachmentStorage;
  /** SNS topics whose SES notifications the webhook accepts. */
  readonly snsTopicArns?: readonly string[];
  /** SES identity ARNs the worker may send from; all identities of the account when absent. */
  readonly sesIdentityArns?: readonly string[];
  /** Public base URL providers call (for Twilio's signed URL); defaults to the API's own URL. */
  readonly publicBaseUrl?: string;
  readonly metricsNamespace: string;
  /** Extra environment (SLA targets, auto-ack text, Twilio API base URL). */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention?: logs.RetentionDays;
}

const entry = (path: string) => fileURLToPath(new URL(`../functions/${path}`, import.meta.url));

/** The webhook, api and worker Lambdas with least-privilege grants and the provider secret. */
export class Functions extends Construct {
  readonly webhook: nodejs.NodejsFunction;
  readonly api: nodejs.NodejsFunction;
  readonly worker: nodejs.NodejsFunction;
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
      PROVIDER_SECRETS_ARN: this.secret.secretArn,
      METRICS_NAMESPACE: props.metricsNamespace,
      ATTACHMENTS_BUCKET: props.storage.bucket.bucketName,
      ...(props.snsTopicArns?.length ? { SNS_TOPIC_ARNS: props.snsTopicArns.join(',') } : {}),
      POWERTOOLS_SERVICE_NAME: 'support-webhooks',
      NODE_OPTIONS: '--enable-source-maps',
      ...(props.publicBaseUrl ? { PUBLIC_BASE_URL: props.publicBaseUrl } : {}),
      ...props.environment,
    };

    const make = (name: string, path: string, timeout: Duration, memorySize: number) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
      const fn = new nodejs.NodejsFunction(this, name, {
        entry: entry(path),
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize,
        timeout,
        environment,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        bundling: {
          format: nodejs.OutputFormat.ESM,
          minify: true,
          sourceMap: true,
          target: 'node24',
          mainFields: ['module', 'main'],
          // Some dependencies are CommonJS and call require(); give ESM bundles one.
          banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
      });
      this.secret.grantRead(fn);
      return fn;
    };

    this.webhook = make('Webhook', 'webhook/handler.ts', Duration.seconds(10), 512);
    this.api = make('Api', 'api/handler.ts', Duration.seconds(10), 512);
    this.worker = make('Worker', 'worker/handler.ts', Duration.seconds(WORKER_TIMEOUT_SECONDS), 512);

    // Least privilege: each function gets only what its code path uses.
    const bucket = props.storage.bucket;
    data.table.grantReadWriteData(this.webhook);
    queues.followUp.queue.grantSendMessages(this.webhook);
    queues.ingest.queue.grantSendMessages(this.webhook);
    bucket.grantPut(this.webhook, `${ATTACHMENTS.prefix}*`); // attachment bytes
    bucket.grantRead(this.webhook, `${SES_INBOUND_PREFIX}*`); // SES S3-action mail

    data.table.grantReadWriteData(this.api);
    queues.followUp.queue.grantSendMessages(this.api);
    bucket.grantRead(this.api, `${ATTACHMENTS.prefix}*`); // presigned download URLs are signed with this grant

    data.table.grantReadWriteData(this.worker);
    queues.followUp.queue.grantSendMessages(this.worker); // SLA re-delays
    this.worker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: props.sesIdentityArns?.length
          ? [...props.sesIdentityArns]
          : [Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
      }),
    );
    bucket.grantRead(this.worker, `${SES_INBOUND_PREFIX}*`); // parked SES S3-action mail is re-read by the worker
    bucket.grantPut(this.worker, `${ATTACHMENTS.prefix}*`);
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
            reason: 'grantReadWriteData covers the table’s GSIs through the `<table>/index/*` resource, which queries on those indexes need.',
            appliesTo: [{ regex: '/^Resource::<.*Table.*\\.Arn>/index/\\*$/g' }],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason: 'Bucket grants are scoped to a key prefix (attachments/* or inbound/*); the wildcard is the object name under it, plus the s3:GetObject*/s3:List* action families CDK grants for reads.',
            appliesTo: [
              { regex: '/^Resource::<.*Attachments.*\\.Arn>/(attachments|inbound)/\\*$/g' },
              'Action::s3:GetObject*',
              'Action::s3:GetBucket*',
              'Action::s3:List*',
              'Action::s3:Abort*',
            ],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason: 'SES sending is authorised per verified identity; without configured identity ARNs the worker may send from any identity of this account and region (set the sesIdentityArns context to narrow it).',
            appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:ses:.+:identity/\\*$/g' }],
          },
        ],
        true,
      );
    }
  }
}
