import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { DLQ_RETENTION_DAYS, QUEUES } from '../functions/spec.ts';
import { STREAM_FILTER_PATTERN } from '../functions/webhooks-out/dispatcher.ts';
import { BUNDLE_ENVIRONMENT, WEBHOOKS_OUT_ENTRIES } from './bundling.ts';
import { BUNDLED_HANDLER, bundledCode } from './lambda-code.ts';
import type { QueuePair } from './queues.ts';

export interface WebhooksOutProps {
  /** The table; it must have a stream (NEW_IMAGE, lib/data.ts). */
  readonly table: dynamodb.ITable;
  readonly queues: { readonly followUp: QueuePair; readonly ingest: QueuePair };
  /** The api function serves the subscription routes: it gets the queue URL and may send (replays). */
  readonly api: lambda.Function;
  readonly metricsNamespace: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly dashboard?: cloudwatch.Dashboard;
  readonly alarmTopics?: readonly sns.ITopic[];
  readonly logRetention?: logs.RetentionDays;
}

/** The delivery function's timeout: 10 s per attempt plus the store (the queue's visibility timeout is at least 6x this). */
export const DELIVERY_TIMEOUT_SECONDS = 20;
/** The oldest queued delivery (or the stream's oldest undispatched event) older than this raises an alarm. */
export const UNDELIVERED_AGE_ALARM_SECONDS = 900;


/**
 * Outbound webhooks (issue 13): the table's stream -> dispatcher (filtered to new events and
 * tickets; failed batches retried, then their position recorded in an on-failure DLQ) -> delivery
 * queue (DLQ) -> delivery function (signed POSTs). Alarms on both DLQs and on the age of the oldest
 * undelivered event; dashboard widgets for delivery success rate and latency.
 */
export class WebhooksOut extends Construct {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly dispatcherDlq: sqs.Queue;
  readonly dispatcher: lambda.Function;
  readonly delivery: lambda.Function;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: WebhooksOutProps) {
    super(scope, id);
    const spec = QUEUES.webhookDelivery;
    const queueProps = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.dlq = new sqs.Queue(this, 'DeliveryDlq', { ...queueProps, retentionPeriod: Duration.days(DLQ_RETENTION_DAYS) });
    this.queue = new sqs.Queue(this, 'DeliveryQueue', {
      ...queueProps,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(spec.retentionDays),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: spec.maxReceiveCount },
    });
    this.dispatcherDlq = new sqs.Queue(this, 'DispatcherDlq', { ...queueProps, retentionPeriod: Duration.days(DLQ_RETENTION_DAYS) });

    const environment: Record<string, string> = {
      STAGE: 'aws',
      TABLE_NAME: props.table.tableName,
      [QUEUES.followUp.urlEnv]: props.queues.followUp.queue.queueUrl,
      [QUEUES.ingest.urlEnv]: props.queues.ingest.queue.queueUrl,
      [spec.urlEnv]: this.queue.queueUrl,
      [spec.dlqUrlEnv]: this.dlq.queueUrl,
      METRICS_NAMESPACE: props.metricsNamespace,
      POWERTOOLS_SERVICE_NAME: 'support-webhooks',
      ...BUNDLE_ENVIRONMENT,
      ...props.environment,
    };
    const make = (name: string, path: string, timeout: number) =>
      new lambda.Function(this, name, {
        code: bundledCode(path),
        handler: BUNDLED_HANDLER,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.seconds(timeout),
        environment,
        logGroup: new logs.LogGroup(this, `${name}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH }),
        loggingFormat: lambda.LoggingFormat.JSON,
      });
    this.dispatcher = make('Dispatcher', WEBHOOKS_OUT_ENTRIES.dispatcher, 30);
    this.delivery = make('Delivery', WEBHOOKS_OUT_ENTRIES.delivery, DELIVERY_TIMEOUT_SECONDS);

    this.dispatcher.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        retryAttempts: 20,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.dispatcherDlq),
        filters: [lambda.FilterCriteria.filter(STREAM_FILTER_PATTERN as unknown as Record<string, unknown>)],
      }),
    );
    this.delivery.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));

    // Least privilege, exactly what functions/adapters/dynamo-webhooks.ts and dynamo-store getTicket issue.
    const grant = (fn: lambda.IFunction, actions: string[]) =>
      iam.Grant.addToPrincipal({ grantee: fn, actions: actions.map((a) => `dynamodb:${a}`), resourceArns: [props.table.tableArn] });
    grant(this.dispatcher, ['Query', 'GetItem']); // subscriptions, tickets (channel filters)
    grant(this.delivery, ['Query', 'GetItem', 'PutItem', 'UpdateItem']); // subscription, event, ticket; attempts; 410 disables
    this.queue.grantSendMessages(this.dispatcher);
    this.queue.grantSendMessages(this.delivery); // retries are re-enqueued with delays
    this.dlq.grantSendMessages(this.delivery); // spent schedules, with the reason
    this.queue.grantSendMessages(props.api); // replays
    props.api.addEnvironment(spec.urlEnv, this.queue.queueUrl);
    props.api.addEnvironment(spec.dlqUrlEnv, this.dlq.queueUrl);

    // Alarms: anything in either DLQ; the oldest undelivered event (queued, or not yet read from the stream).
    const alarm = (aid: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, aid, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopics?.length) {
        a.addAlarmAction(...props.alarmTopics.map((t) => new SnsAction(t)));
        a.addOkAction(...props.alarmTopics.map((t) => new SnsAction(t)));
      }
      this.alarms.push(a);
    };
    const period = Duration.minutes(5);
    alarm('DeliveryDlqNotEmpty', this.dlq.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }), 1, 'Webhook deliveries whose retry schedule is spent (message attributes reason, error); redrive after fixing the receiver.');
    alarm('DispatcherDlqNotEmpty', this.dispatcherDlq.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }), 1, 'Stream batches the dispatcher could not fan out for 24 h; replay the events since the recorded time.');
    alarm('OldestUndeliveredAge', this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }), UNDELIVERED_AGE_ALARM_SECONDS, 'A webhook delivery has waited in the queue for 15 minutes: the delivery function is failing or throttled.');
    alarm('StreamIteratorAge', this.dispatcher.metric('IteratorAge', { period, statistic: 'Maximum' }), UNDELIVERED_AGE_ALARM_SECONDS * 1000, 'The oldest event not yet dispatched from the table stream is 15 minutes old.');

    const ns = props.metricsNamespace;
    const outcome = (o: string, stat = 'Sum') => new cloudwatch.Metric({ namespace: ns, metricName: 'WebhookDeliveries', dimensionsMap: { Outcome: o }, statistic: stat, period });
    props.dashboard?.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Webhook delivery success rate (%)',
        left: [
          new cloudwatch.MathExpression({
            expression: '100 * ok / MAX([ok + failed + gone + exhausted + refused, 1])',
            usingMetrics: { ok: outcome('delivered'), failed: outcome('failed'), gone: outcome('gone'), exhausted: outcome('exhausted'), refused: outcome('refused') },
            label: 'delivered / attempts',
            period,
          }),
        ],
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Webhook delivery latency (s)',
        left: ['p50', 'p90', 'p99'].map((stat) => new cloudwatch.Metric({ namespace: ns, metricName: 'WebhookDeliveryLatency', dimensionsMap: { Outcome: 'delivered' }, statistic: stat, period, label: stat })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Webhook deliveries by outcome',
        left: ['delivered', 'failed', 'gone', 'exhausted', 'refused'].map((o) => outcome(o)),
        right: [this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: 'oldest queued (s)' })],
      }),
    );

    for (const fn of [this.dispatcher, this.delivery]) {
      NagSuppressions.addResourceSuppressions(
        fn,
        [{ id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole is the minimal managed policy for writing the function’s own logs.', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] }],
        true,
      );
    }
    NagSuppressions.addResourceSuppressions(this.dispatcherDlq, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is a DLQ: the on-failure destination of the dispatcher’s stream event source (records of batches that kept failing).' },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.dispatcher,
      [{ id: 'AwsSolutions-IAM5', reason: 'dynamodb:ListStreams is granted on * by the DynamoDB event source (the stream ARN is unknown until deploy).', appliesTo: ['Resource::*'] }],
      true,
    );
  }
}
