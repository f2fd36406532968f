/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (lib/bundling.ts aliases
 * it here): Lambda always puts the function role's credentials in the environment, so the default
 * chain's SSO, ini-file, process, web-identity and STS providers (and the nested clients they
 * bring, ~110 KB minified) are dead code there. The container-credentials endpoint is kept as a
 * fallback. Tests and the local stack load the real chain from node_modules; only bundles use this.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';

type Init = NonNullable<Parameters<typeof fromHttp>[0]>;
type Identity = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

export const defaultProvider = (init: Init = {}) => {
  const env = fromEnv(init);
  return async (options?: Parameters<typeof env>[0]): Promise<Identity> => {
    try {
      return await env(options);
    } catch {
      // fromHttp reads its endpoint from the environment when built: build it only when needed.
      return fromHttp(init)(options);
    }
  };
};
