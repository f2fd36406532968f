import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../functions/adapters/lambda-credentials.ts';

describe('lambda-credentials (the bundles’ credential chain)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('uses the role credentials Lambda puts in the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    const creds = await defaultProvider()();
    expect(creds).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('without environment credentials and no container endpoint it fails with the SDK’s credentials error', async () => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) vi.stubEnv(k, undefined);
    await expect(defaultProvider()()).rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
