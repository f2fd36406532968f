import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '../functions/core/metrics.ts';
import { CHANNELS } from '../functions/core/types.ts';

export interface ObservabilityProps {
  readonly namespace: string;
  readonly functions: readonly lambda.IFunction[];
  readonly dlqs: readonly sqs.IQueue[];
  /** Subscribed by email to a topic created here, which every alarm notifies (ALARM and OK). */
  readonly alarmEmails?: readonly string[];
  /** An existing topic (in the stack's region) every alarm notifies too. */
  readonly alarmTopicArn?: string;
}

/**
 * A dashboard of the service's EMF metrics and alarms on what needs a human; with alarm emails or
 * an alarm topic, every alarm notifies SNS when it fires and when it clears.
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The topic created for `alarmEmails`; undefined without them. */
  readonly alarmTopic: sns.Topic | undefined;
  /** Every topic the alarms notify (created and imported). */
  readonly alarmTopics: sns.ITopic[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const ns = props.namespace;
    // EMF metrics carry the dimensions service, Channel, Provider; SEARCH draws one line per channel.
    const search = (metric: string, stat: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${ns},service,Channel,Provider} MetricName="${metric}"', '${stat}', 300)`,
        label,
        period: Duration.minutes(5),
      });

    const byChannel = (metric: string, stat: string) =>
      new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Channel} MetricName="${metric}"', '${stat}', 300)`, label: '', period: Duration.minutes(5) });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Messages received per channel', left: [search(METRIC.MessagesReceived, 'Sum', '')], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Tickets created per channel', left: [search(METRIC.TicketsCreated, 'Sum', '')], width: 12 }),
      // Response times carry the dimension sets [service, Channel] and [service, Channel, Priority].
      ...(['FirstResponseTime', 'NextResponseTime', 'FirstResolutionTime', 'FullResolutionTime'] as const).map(
        (name) =>
          new cloudwatch.GraphWidget({
            title: `${name} p50 / p90 (s)`,
            left: [byChannel(METRIC[name], 'p50'), byChannel(METRIC[name], 'p90')],
            width: 6,
          }),
      ),
      new cloudwatch.GraphWidget({
        title: 'SLA attainment (1 = met) and breaches, by channel and target',
        left: [new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Channel,Target} MetricName="${METRIC.SlaAttained}"', 'Average', 300)`, label: '' })],
        right: [new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Channel,Target} MetricName="${METRIC.SlaBreached}"', 'Sum', 300)`, label: '' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Reopens, duplicates, parked ingests, rejected jobs',
        left: [
          byChannel(METRIC.TicketsReopened, 'Sum'),
          search(METRIC.DuplicateDeliveries, 'Sum', ''),
          new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Provider,Kind} MetricName="${METRIC.IngestParked}"', 'Sum', 300)`, label: '' }),
          new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Queue,Reason} MetricName="${METRIC.JobsRejected}"', 'Sum', 300)`, label: '' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Webhooks rejected and items skipped, by reason',
        left: [
          new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Provider,Reason} MetricName="${METRIC.WebhookRejected}"', 'Sum', 300)`, label: '' }),
          new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Provider,Reason} MetricName="${METRIC.ItemsSkipped}"', 'Sum', 300)`, label: '' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Delivery status callbacks',
        left: [new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Provider,Status,Outcome} MetricName="${METRIC.StatusUpdates}"', 'Sum', 300)`, label: '' })],
        width: 12,
      }),
    );

    props.dlqs.forEach((dlq, i) => {
      this.alarms.push(
        new cloudwatch.Alarm(this, `DlqNotEmpty${i}`, {
          alarmDescription: 'Messages reached a dead-letter queue: follow-ups or parked webhooks need attention.',
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    });
    // First-reply SLA attainment per channel: under 80% met over an hour wants a human.
    for (const channel of CHANNELS) {
      this.alarms.push(
        new cloudwatch.Alarm(this, `SlaAttainment-${channel}`, {
          alarmDescription: `Under 80% of ${channel} tickets got their first reply within the SLA over the last hour.`,
          metric: new cloudwatch.Metric({
            namespace: ns,
            metricName: METRIC.SlaAttained,
            dimensionsMap: { service: 'support-webhooks', Channel: channel, Target: 'firstReply' },
            statistic: 'Average',
            period: Duration.hours(1),
          }),
          threshold: 0.8,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    props.functions.forEach((fn, i) => {
      this.alarms.push(
        new cloudwatch.Alarm(this, `FunctionErrors${i}`, {
          alarmDescription: `Errors in ${fn.node.path}`,
          metric: fn.metricErrors({ period: Duration.minutes(5) }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    });

    if (props.alarmEmails?.length) {
      this.alarmTopic = this.#alarmTopic(props.alarmEmails);
      this.alarmTopics.push(this.alarmTopic);
    }
    if (props.alarmTopicArn) this.alarmTopics.push(sns.Topic.fromTopicArn(this, 'ExistingAlarmTopic', props.alarmTopicArn));
    const actions = this.alarmTopics.map((t) => new SnsAction(t));
    if (actions.length) {
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(...actions);
        alarm.addOkAction(...actions);
      }
    }
  }

  /**
   * An SNS topic for the alarms: encrypted with a customer-managed key (CloudWatch cannot publish to
   * a topic under the AWS-managed aws/sns key, whose policy cannot grant it), TLS only, publishable
   * only by this account's CloudWatch alarms; each address gets an email subscription to confirm.
   */
  #alarmTopic(emails: readonly string[]): sns.Topic {
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the support desk alarm topic',
      enableKeyRotation: true,
      // It only protects notifications in flight: nothing at rest needs it after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const fromAlarms = {
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      StringEquals: { 'aws:SourceAccount': stack.account },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" is this key
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Support desk alarms', masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromAlarms,
      }),
    );
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }
}
