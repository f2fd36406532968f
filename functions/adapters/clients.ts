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

/**
 * Bounded waits: every call has a connection and a request timeout and at most one retry, so a
 * webhook can always park (or answer 503) within its deadline when a service is slow or down.
 * DynamoDB and SQS answer in milliseconds when healthy; S3 carries attachment bytes; SES a mail.
 */
export const CLIENT_TIMEOUTS = {
  dynamo: { connectionTimeout: 300, requestTimeout: 1_000 },
  sqs: { connectionTimeout: 300, requestTimeout: 1_000 },
  s3: { connectionTimeout: 300, requestTimeout: 3_000 },
  ses: { connectionTimeout: 500, requestTimeout: 5_000 },
} as const;
const bounded = (t: { connectionTimeout: number; requestTimeout: number }, scale = 1) => ({
  requestHandler: { connectionTimeout: t.connectionTimeout * scale, requestTimeout: t.requestTimeout * scale, throwOnRequestTimeout: true },
  maxAttempts: 2,
});

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

/** Read the provider secret's JSON string (once per cold start; the caller memoizes). */
export async function readSecretString(arn: string, client = new SecretsManagerClient({})): Promise<string> {
  const r = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (r.SecretString === undefined) throw new Error('the provider secret has no SecretString');
  return r.SecretString;
}
