/**
 * Deployment settings that come from CDK context (`-c key=value` or cdk.json) or stack props,
 * validated at synth: a bad value stops `cdk synth` with an error naming the context key.
 * Precedence: stack props, then context, then the defaults below.
 */
import { Token } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { FunctionName } from '../functions/spec.ts';

/** The three Lambdas. */
export type LambdaName = 'webhook' | 'api' | 'worker';

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

/** Context keys this module reads. */
export const CONTEXT = {
  webhookThrottleRate: 'webhookThrottleRate',
  webhookThrottleBurst: 'webhookThrottleBurst',
  apiThrottleRate: 'apiThrottleRate',
  apiThrottleBurst: 'apiThrottleBurst',
  webhookReservedConcurrency: 'webhookReservedConcurrency',
  apiReservedConcurrency: 'apiReservedConcurrency',
  workerReservedConcurrency: 'workerReservedConcurrency',
  sesIdentityArns: 'sesIdentityArns',
  sesIdentities: 'sesIdentities',
} as const;

export interface SettingsInput {
  readonly throttle?: Partial<Record<FunctionName, Partial<ThrottleSettings>>>;
  readonly reservedConcurrency?: Partial<Record<LambdaName, number>>;
  readonly sesIdentityArns?: readonly string[];
  readonly sesIdentities?: readonly string[];
}

export interface DeploymentSettings {
  readonly throttle: Readonly<Record<FunctionName, ThrottleSettings>>;
  readonly reservedConcurrency: Readonly<Partial<Record<LambdaName, number>>>;
  /** Identity ARNs given as such; validated. */
  readonly sesIdentityArns: readonly string[];
  /** Domains and addresses; the stack turns them into identity ARNs of its own account and region. */
  readonly sesIdentities: readonly string[];
}

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A positive integer from a context value (number or decimal string); undefined when unset. */
export function positiveInt(key: string, value: unknown): number | undefined {
  if (blank(value)) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`Context "${key}" must be a positive integer; got ${JSON.stringify(value)}.`);
  }
  return n;
}

/** A list from a context value: a comma-separated string or an array of strings. */
export function stringList(key: string, value: unknown): string[] | undefined {
  if (blank(value)) return undefined;
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!items || items.some((i) => typeof i !== 'string')) {
    throw new Error(`Context "${key}" must be a comma-separated string or a list of strings; got ${JSON.stringify(value)}.`);
  }
  const out = (items as string[]).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

const SES_IDENTITY_ARN = /^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/[^*?\s]+$/;
const EMAIL_ADDRESS = /^[^\s@*?]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const DOMAIN = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

function checkEach(key: string, values: readonly string[] | undefined, ok: (v: string) => boolean, what: string): readonly string[] {
  for (const v of values ?? []) {
    if (!Token.isUnresolved(v) && !ok(v)) throw new Error(`Context "${key}": ${JSON.stringify(v)} is not ${what} (wildcards are not allowed).`);
  }
  return values ?? [];
}

/** Resolve and validate every setting; throws naming the context key of the first bad value. */
export function resolveSettings(node: Node, input: SettingsInput = {}): DeploymentSettings {
  const ctx = (key: string): unknown => node.tryGetContext(key);
  const int = (key: keyof typeof CONTEXT, fromProps: number | undefined) => positiveInt(key, fromProps ?? ctx(key));
  const throttleOf = (fn: FunctionName): ThrottleSettings => ({
    rateLimit: int(`${fn}ThrottleRate`, input.throttle?.[fn]?.rateLimit) ?? DEFAULT_THROTTLE[fn].rateLimit,
    burstLimit: int(`${fn}ThrottleBurst`, input.throttle?.[fn]?.burstLimit) ?? DEFAULT_THROTTLE[fn].burstLimit,
  });
  const reserved: Partial<Record<LambdaName, number>> = {};
  for (const fn of ['webhook', 'api', 'worker'] as const) {
    const n = int(`${fn}ReservedConcurrency`, input.reservedConcurrency?.[fn]);
    if (n !== undefined) reserved[fn] = n;
  }
  return {
    throttle: { webhook: throttleOf('webhook'), api: throttleOf('api') },
    reservedConcurrency: reserved,
    sesIdentityArns: checkEach(
      CONTEXT.sesIdentityArns,
      input.sesIdentityArns ?? stringList(CONTEXT.sesIdentityArns, ctx(CONTEXT.sesIdentityArns)),
      (v) => SES_IDENTITY_ARN.test(v),
      'an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<domain or address>)',
    ),
    sesIdentities: checkEach(
      CONTEXT.sesIdentities,
      input.sesIdentities ?? stringList(CONTEXT.sesIdentities, ctx(CONTEXT.sesIdentities)),
      (v) => EMAIL_ADDRESS.test(v) || DOMAIN.test(v),
      'a domain or an email address',
    ),
  };
}
