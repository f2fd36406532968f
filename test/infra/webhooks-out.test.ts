/** The outbound-webhook infrastructure (lib/webhooks-out.ts): stream, dispatcher, delivery queue, alarms, dashboard. */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../functions/spec.ts';
import { SupportStack } from '../../lib/stack.ts';

let stack: SupportStack;
let template: Template;
beforeAll(() => {
  stack = new SupportStack(new App(), 'TestWebhooksOut', { env: { account: '123456789012', region: 'eu-west-1' } });
  template = Template.fromStack(stack);
});
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId((c.node.defaultChild ?? c) as never);

describe('outbound webhooks infrastructure', () => {
  it('streams new images from the table to the dispatcher, filtered to new events and tickets, with an on-failure DLQ', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(stack.webhooksOut.dispatcher) },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 86400,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['event', 'ticket'] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(stack.webhooksOut.dispatcherDlq), 'Arn'] } } },
    });
  });

  it('runs deliveries from their own queue with partial batch failures, a DLQ, and a visibility timeout 6x the function timeout', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(stack.webhooksOut.delivery) },
      EventSourceArn: { 'Fn::GetAtt': [id(stack.webhooksOut.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: QUEUES.webhookDelivery.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(stack.webhooksOut.dlq), 'Arn'] }, maxReceiveCount: QUEUES.webhookDelivery.maxReceiveCount },
    });
    const fn = template.findResources('AWS::Lambda::Function')[id(stack.webhooksOut.delivery)]!;
    expect(QUEUES.webhookDelivery.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * fn['Properties']['Timeout']);
  });

  it('tells the api function where the delivery queue is (replays)', () => {
    const api = template.findResources('AWS::Lambda::Function')[id(stack.functions.api)]!;
    expect(Object.keys(api['Properties']['Environment']['Variables'])).toEqual(expect.arrayContaining([QUEUES.webhookDelivery.urlEnv, QUEUES.webhookDelivery.dlqUrlEnv]));
  });

  it('alarms on both DLQs and on the age of the oldest undelivered event', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.webhooksOut.dlq), 'QueueName'] } }], Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.webhooksOut.dispatcherDlq), 'QueueName'] } }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.webhooksOut.queue), 'QueueName'] } }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(stack.webhooksOut.dispatcher) } }] });
  });

  it('shows delivery success rate and latency on the dashboard', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('Webhook delivery success rate');
    expect(body).toContain('WebhookDeliveryLatency');
    expect(body).toContain('WebhookDeliveries');
  });

  it('grants no Scan to any function', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy', Match.anyValue()));
    expect(policies).not.toContain('dynamodb:Scan');
  });
});
