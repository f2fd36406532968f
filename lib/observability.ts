import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '../functions/core/metrics.ts';

export interface ObservabilityProps {
  readonly namespace: string;
  readonly functions: readonly lambda.IFunction[];
  readonly dlqs: readonly sqs.IQueue[];
}

/** A dashboard of the service's EMF metrics and alarms on what needs a human. */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

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

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Messages received per channel', left: [search(METRIC.MessagesReceived, 'Sum', '')], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Tickets created per channel', left: [search(METRIC.TicketsCreated, 'Sum', '')], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'First response time p50 (s)', left: [search(METRIC.FirstResponseTime, 'p50', '')], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'First response time p90 (s)', left: [search(METRIC.FirstResponseTime, 'p90', '')], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Resolution time p90 (s)', left: [search(METRIC.ResolutionTime, 'p90', '')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'SLA breaches, duplicates, parked ingests',
        left: [
          new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Channel,Provider,Sla} MetricName="${METRIC.SlaBreached}"', 'Sum', 300)`, label: '' }),
          search(METRIC.DuplicateDeliveries, 'Sum', ''),
          new cloudwatch.MathExpression({ expression: `SEARCH('{${ns},service,Provider,Kind} MetricName="${METRIC.IngestParked}"', 'Sum', 300)`, label: '' }),
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
  }
}
