import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { QUEUES, WORKER_BATCH_SIZE, WORKER_TIMEOUT_SECONDS } from '../functions/spec.ts';
import type { DataStore } from './data.ts';
import type { Queues } from './queues.ts';

export interface FunctionsProps {
  readonly data: DataStore;
  readonly queues: Queues;
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
    data.table.grantReadWriteData(this.webhook);
    queues.followUp.queue.grantSendMessages(this.webhook);
    queues.ingest.queue.grantSendMessages(this.webhook);

    data.table.grantReadWriteData(this.api);
    queues.followUp.queue.grantSendMessages(this.api);

    data.table.grantReadWriteData(this.worker);
    queues.followUp.queue.grantSendMessages(this.worker); // SLA re-delays
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
        ],
        true,
      );
    }
  }
}
