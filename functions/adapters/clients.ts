/**
 * AWS SDK clients, created once per container. Endpoints follow the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
}

let shared: AwsClients | undefined;
export const sharedClients = (): AwsClients => (shared ??= { dynamo: new DynamoDBClient({}), sqs: new SQSClient({}) });

/** Clients pointed at explicit endpoints (local engines), with dummy credentials. */
export function localClients(endpoints: { dynamo: string; sqs: string }, region = 'us-east-1'): AwsClients {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return {
    dynamo: new DynamoDBClient({ endpoint: endpoints.dynamo, region, credentials }),
    sqs: new SQSClient({ endpoint: endpoints.sqs, region, credentials }),
  };
}

/** Read the provider secret's JSON string (once per cold start; the caller memoizes). */
export async function readSecretString(arn: string, client = new SecretsManagerClient({})): Promise<string> {
  const r = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (r.SecretString === undefined) throw new Error('the provider secret has no SecretString');
  return r.SecretString;
}
