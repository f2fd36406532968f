/** The provider secret (Secrets Manager), read once per cold start by config loading; the caller memoizes. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CLIENT_TIMEOUTS, bounded } from './client-options.ts';

/** Read the provider secret's JSON string. */
export async function readSecretString(arn: string, client = new SecretsManagerClient(bounded(CLIENT_TIMEOUTS.secrets))): Promise<string> {
  const r = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (r.SecretString === undefined) throw new Error('the provider secret has no SecretString');
  return r.SecretString;
}
