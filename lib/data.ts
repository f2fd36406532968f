import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE } from '../functions/spec.ts';

/** The single table, its indexes and TTL, from functions/spec.ts (the local stack builds the same). */
export class DataStore extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const attr = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: attr(TABLE.partitionKey),
      sortKey: attr(TABLE.sortKey),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: TABLE.ttlAttribute,
      // Outbound webhooks read new events and tickets from the stream (lib/webhooks-out.ts).
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: TABLE.indexes.map((i) => ({
        indexName: i.name,
        partitionKey: attr(i.partitionKey),
        sortKey: attr(i.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }
}
