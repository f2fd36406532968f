/** Create the table and queues locally from functions/spec.ts, the same definitions the CDK stack uses. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_RETENTION_DAYS, DLQ_SUFFIX, QUEUES, TABLE, type QueueSpec } from '../functions/spec.ts';

export async function createTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  const attrs = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const i of TABLE.indexes) {
    attrs.add(i.partitionKey);
    attrs.add(i.sortKey);
  }
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        // Outbound webhooks read new events from the stream (as deployed: lib/webhooks-out.ts).
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: TABLE.indexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    await dynamo.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e; // persisted data: the table is already there
  }
  const described = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  if (!described.Table?.StreamSpecification?.StreamEnabled) {
    // A table persisted before outbound webhooks: turn its stream on.
    await dynamo.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }));
  }
}

export interface LocalQueue {
  readonly url: string;
  readonly dlqUrl: string;
  readonly spec: QueueSpec;
}

export async function createQueues(
  sqs: SQSClient,
  prefix = '',
  overrides: { visibilityTimeoutSeconds?: number | undefined } = {},
): Promise<Record<keyof typeof QUEUES, LocalQueue>> {
  const out = {} as Record<keyof typeof QUEUES, LocalQueue>;
  for (const [id, spec] of Object.entries(QUEUES) as Array<[keyof typeof QUEUES, QueueSpec]>) {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}${spec.name}${DLQ_SUFFIX}`,
        Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * 86400) },
      }),
    );
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))
    ).Attributes!['QueueArn']!;
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}${spec.name}`,
        Attributes: {
          VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? spec.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(spec.retentionDays * 86400),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
        },
      }),
    );
    out[id] = { url: main.QueueUrl!, dlqUrl: dlq.QueueUrl!, spec };
  }
  return out;
}

/** The attachments bucket, in fauxqs's S3. */
export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw e;
  }
}
