/**
 * Per-route throttling of the HTTP API stage: the defaults CDK deploys (lib/api.ts, overridable by
 * context, see lib/settings.ts) and the local gateway enforces (bin/local-throttle.ts). No CDK
 * imports, so the local stack can read it without loading aws-cdk-lib.
 */
import type { FunctionName } from '../functions/spec.ts';

export interface ThrottleSettings {
  /** Steady-state requests per second, per route. */
  readonly rateLimit: number;
  /** Burst (token bucket size), per route. */
  readonly burstLimit: number;
}

/**
 * Per-route throttling defaults of the HTTP API stage. Webhook routes are unauthenticated at the
 * gateway (verified in the function) and take provider bursts; the REST API serves a support tool.
 * Each route key gets its own limits (API Gateway HTTP API route settings), so one noisy webhook
 * cannot use up the API's budget or the other way round.
 */
export const DEFAULT_THROTTLE: Readonly<Record<FunctionName, ThrottleSettings>> = {
  webhook: { rateLimit: 200, burstLimit: 400 },
  api: { rateLimit: 50, burstLimit: 100 },
};
