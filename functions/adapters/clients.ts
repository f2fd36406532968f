/**
 * AWS SDK clients, created once per container. Endpoints follow the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly ses: SESv2Client;
}

let shared: AwsClients | undefined;
export const sharedClients = (): AwsClients =>
  (shared ??= { dynamo: new DynamoDBClient({}), sqs: new SQSClient({}), s3: new S3Client({}), ses: new SESv2Client({}) });

/**
 * Clients pointed at local engines with dummy credentials: DynamoDB Local, fauxqs for SQS and S3
 * (path-style), and an SES endpoint (a stub in tests) when given.
 */
export function localClients(endpoints: { dynamo: string; sqs: string; ses?: string | undefined }, region = 'us-east-1'): AwsClients {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return {
    dynamo: new DynamoDBClient({ endpoint: endpoints.dynamo, region, credentials }),
    sqs: new SQSClient({ endpoint: endpoints.sqs, region, credentials }),
    s3: new S3Client({ endpoint: endpoints.sqs, region, credentials, forcePathStyle: true }),
    ses: new SESv2Client({ endpoint: endpoints.ses ?? 'http://127.0.0.1:9', region, credentials }),
  };
}

/** Read the provider secret's JSON string (once per cold start; the caller memoizes). */
export async function readSecretString(arn: string, client = new SecretsManagerClient({})): Promise<string> {
  const r = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (r.SecretString === undefined) throw new Error('the provider secret has no SecretString');
  return r.SecretString;
}
