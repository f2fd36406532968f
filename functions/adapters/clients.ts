/**
 * All four AWS SDK clients at once, for the local stack and the tests (the Lambdas create only
 * theirs: see functions/wiring/). Endpoints follow the SDK's own AWS_ENDPOINT_URL_<SERVICE>
 * variables, which is how the local stack points them at emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bounded, CLIENT_TIMEOUTS } from './client-options.ts';

export { CLIENT_TIMEOUTS } from './client-options.ts';

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly ses: SESv2Client;
}

let shared: AwsClients | undefined;
export const sharedClients = (): AwsClients =>
  (shared ??= {
    dynamo: new DynamoDBClient(bounded(CLIENT_TIMEOUTS.dynamo)),
    sqs: new SQSClient(bounded(CLIENT_TIMEOUTS.sqs)),
    s3: new S3Client(bounded(CLIENT_TIMEOUTS.s3)),
    ses: new SESv2Client(bounded(CLIENT_TIMEOUTS.ses)),
  });

/**
 * Clients pointed at local engines with dummy credentials: DynamoDB Local, fauxqs for SQS and S3
 * (path-style), and an SES endpoint (a stub in tests) when given.
 */
export function localClients(endpoints: { dynamo: string; sqs: string; ses?: string | undefined }, region = 'us-east-1', timeoutScale = 5): AwsClients {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  // The same bounded waits, by default five times longer: local engines on a busy 2-core machine are slower.
  return {
    dynamo: new DynamoDBClient({ endpoint: endpoints.dynamo, region, credentials, ...bounded(CLIENT_TIMEOUTS.dynamo, timeoutScale) }),
    sqs: new SQSClient({ endpoint: endpoints.sqs, region, credentials, ...bounded(CLIENT_TIMEOUTS.sqs, timeoutScale) }),
    s3: new S3Client({ endpoint: endpoints.sqs, region, credentials, forcePathStyle: true, ...bounded(CLIENT_TIMEOUTS.s3, timeoutScale) }),
    ses: new SESv2Client({ endpoint: endpoints.ses ?? 'http://127.0.0.1:9', region, credentials, ...bounded(CLIENT_TIMEOUTS.ses, timeoutScale) }),
  };
}
