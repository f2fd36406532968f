import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/wiring/common.ts';

const queues = { FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i', AWS_REGION: 'eu-west-1' };
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ProviderSecrets-AbCdEf';
const secrets = mockClient(SecretsManagerClient);

afterEach(() => secrets.reset());

describe('loadConfig (wiring/common.ts)', () => {
  it('reads the provider secret named by PROVIDER_SECRETS_ARN (loaded on demand) over the environment', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ TWILIO_AUTH_TOKEN: 'from-secret' }) });
    const c = await loadConfig({ ...queues, PROVIDER_SECRETS_ARN: ARN, TWILIO_AUTH_TOKEN: 'from-env' });
    expect(c.secrets.TWILIO_AUTH_TOKEN).toBe('from-secret');
    expect(secrets.commandCalls(GetSecretValueCommand).map((x) => x.args[0].input)).toEqual([{ SecretId: ARN }]);
  });

  it('asks Secrets Manager nothing without PROVIDER_SECRETS_ARN', async () => {
    const c = await loadConfig({ ...queues, TWILIO_AUTH_TOKEN: 'from-env' });
    expect(c.secrets.TWILIO_AUTH_TOKEN).toBe('from-env');
    expect(secrets.calls()).toHaveLength(0);
  });

  it('fails the cold start when the secret cannot be read (no config without it)', async () => {
    secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
    await expect(loadConfig({ ...queues, PROVIDER_SECRETS_ARN: ARN })).rejects.toThrow('AccessDeniedException');
    secrets.on(GetSecretValueCommand).resolves({});
    await expect(loadConfig({ ...queues, PROVIDER_SECRETS_ARN: ARN })).rejects.toThrow('no SecretString');
  });
});
