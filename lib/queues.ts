import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DLQ_RETENTION_DAYS, QUEUES, type QueueSpec } from '../functions/spec.ts';

export interface QueuePair {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly spec: QueueSpec;
}

/** The follow-up and ingest-retry queues, each with its DLQ, from functions/spec.ts. */
export class Queues extends Construct {
  readonly followUp: QueuePair;
  readonly ingest: QueuePair;
  /** Every pair made here, whatever its name (redrive and its grants cover each). */
  readonly all: QueuePair[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.followUp = this.#pair('FollowUp', QUEUES.followUp);
    this.ingest = this.#pair('IngestRetry', QUEUES.ingest);
  }

  #pair(id: string, spec: QueueSpec): QueuePair {
    const dlq = new sqs.Queue(this, `${id}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
    });
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(spec.retentionDays),
      deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
    });
    const pair = { queue, dlq, spec };
    this.all.push(pair);
    return pair;
  }
}
