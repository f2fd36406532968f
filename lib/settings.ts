/**
 * Every deployment setting that comes from CDK context (`-c key=value` or cdk.json) or stack props,
 * read and validated here at synth: a bad value stops `cdk synth` with an error naming the context
 * key, instead of a deployed function failing at cold start. Precedence: stack props, then context,
 * then the defaults below. Context keys the app does not know (CDK's own flags) are ignored.
 */
import { Token } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { FunctionName } from '../functions/spec.ts';
import { checkPassThroughContext, PASS_THROUGH_CONTEXT } from './context.ts';
import { DEFAULT_THROTTLE, type ThrottleSettings } from './throttle.ts';

/** The three Lambdas. */
export type LambdaName = 'webhook' | 'api' | 'worker';

export { DEFAULT_THROTTLE, type ThrottleSettings } from './throttle.ts';

/** Context keys this module reads (plus the pass-through keys of lib/context.ts). */
export const CONTEXT = {
  stackName: 'stackName',
  publicBaseUrl: 'publicBaseUrl',
  metricsNamespace: 'metricsNamespace',
  snsTopicArns: 'snsTopicArns',
  alarmEmail: 'alarmEmail',
  alarmTopicArn: 'alarmTopicArn',
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

export const DEFAULT_STACK_NAME = 'SupportWebhooks';
export const DEFAULT_METRICS_NAMESPACE = 'SupportDesk';

export interface SettingsInput {
  readonly throttle?: Partial<Record<FunctionName, Partial<ThrottleSettings>>>;
  readonly reservedConcurrency?: Partial<Record<LambdaName, number>>;
  readonly sesIdentityArns?: readonly string[];
  readonly sesIdentities?: readonly string[];
  readonly publicBaseUrl?: string;
  readonly metricsNamespace?: string;
  readonly snsTopicArns?: readonly string[];
  readonly alarmEmails?: readonly string[];
  readonly alarmTopicArn?: string;
  /** Extra function environment; checked with the functions' own parser like the pass-through context. */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface DeploymentSettings {
  /** The https URL providers call, without a trailing slash; undefined means the API's own URL. */
  readonly publicBaseUrl: string | undefined;
  readonly metricsNamespace: string;
  /** SNS topics (SES receipt notifications) the /webhooks/ses route accepts. */
  readonly snsTopicArns: readonly string[];
  /** Addresses subscribed (by email) to the alarm topic the stack creates; empty: no topic is created. */
  readonly alarmEmails: readonly string[];
  /** An existing SNS topic every alarm also notifies. */
  readonly alarmTopicArn: string | undefined;
  /** Function environment from the pass-through context keys (lib/context.ts) and the `environment` prop. */
  readonly environment: Readonly<Record<string, string>>;
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

/** A string from a context value; undefined when unset or blank. */
export function contextString(key: string, value: unknown): string | undefined {
  if (blank(value)) return undefined;
  if (typeof value !== 'string') throw new Error(`Context "${key}" must be a string; got ${JSON.stringify(value)}.`);
  return value.trim();
}

/**
 * A context value passed to the functions' environment as text: JSON settings may be written as
 * objects in cdk.json, and `true`/`300` there mean what `-c key=true` / `-c key=300` mean.
 */
function environmentValue(value: unknown): string | undefined {
  if (blank(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** CloudFormation stack names: a letter, then letters, digits and hyphens; at most 128 characters. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** The stack's name from the `stackName` context (default SupportWebhooks), validated before the stack is built. */
export function resolveStackName(node: Node): string {
  const name = contextString(CONTEXT.stackName, node.tryGetContext(CONTEXT.stackName)) ?? DEFAULT_STACK_NAME;
  if (!STACK_NAME.test(name)) {
    throw new Error(
      `Context "${CONTEXT.stackName}" must be a CloudFormation stack name (a letter, then letters, digits and hyphens; at most 128 characters); got ${JSON.stringify(name)}.`,
    );
  }
  return name;
}

/** The https base URL providers call: no credentials, query or fragment; returned without a trailing slash. */
export function httpsBaseUrl(key: string, value: string | undefined): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) return value;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || !url.hostname || url.username || url.password || /[\s?#]/.test(value)) {
    throw new Error(`Context "${key}" must be an https URL with no credentials, query or fragment (e.g. https://support.example.com); got ${JSON.stringify(value)}.`);
  }
  return value.replace(/\/+$/, '');
}

/**
 * CloudWatch namespaces: 1–255 of letters, digits and `. - _ / # :`, not starting with `:` or `AWS/`.
 * Spaces, which CloudWatch allows, are refused: the dashboard's SEARCH expressions use the namespace unquoted.
 */
const METRICS_NAMESPACE = /^(?!AWS\/)(?!:)[A-Za-z0-9._\-/#:]{1,255}$/;

/** SNS topic ARNs (the same shape the functions accept in SNS_TOPIC_ARNS). */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/;

const SES_IDENTITY_ARN = /^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/[^*?\s]+$/;
const EMAIL_ADDRESS = /^[^\s@*?]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const DOMAIN = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

function checkEach(key: string, values: readonly string[] | undefined, ok: (v: string) => boolean, what: string): readonly string[] {
  for (const v of values ?? []) {
    if (!Token.isUnresolved(v) && !ok(v)) throw new Error(`Context "${key}": ${JSON.stringify(v)} is not ${what}.`);
  }
  return values ?? [];
}

function checkOne(key: string, value: string | undefined, ok: (v: string) => boolean, what: string): string | undefined {
  if (value !== undefined && !Token.isUnresolved(value) && !ok(value)) throw new Error(`Context "${key}" must be ${what}; got ${JSON.stringify(value)}.`);
  return value;
}

/**
 * Resolve and validate every setting; throws naming the context key of the first bad value.
 * `region`: the stack's region when known (an alarm topic must be in the alarms' region).
 */
export function resolveSettings(node: Node, input: SettingsInput = {}, region?: string): DeploymentSettings {
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
  const str = (key: keyof typeof CONTEXT, fromProps: string | undefined) => (fromProps !== undefined ? fromProps : contextString(key, ctx(key)));
  const list = (key: keyof typeof CONTEXT, fromProps: readonly string[] | undefined) => fromProps ?? stringList(key, ctx(key));

  const publicBaseUrl = httpsBaseUrl(CONTEXT.publicBaseUrl, str('publicBaseUrl', input.publicBaseUrl));
  const metricsNamespace =
    checkOne(
      CONTEXT.metricsNamespace,
      str('metricsNamespace', input.metricsNamespace),
      (v) => METRICS_NAMESPACE.test(v),
      'a CloudWatch namespace (1-255 of letters, digits and . - _ / # :, not starting with AWS/)',
    ) ?? DEFAULT_METRICS_NAMESPACE;
  const snsTopicArns = checkEach(CONTEXT.snsTopicArns, list('snsTopicArns', input.snsTopicArns), (v) => SNS_TOPIC_ARN.test(v), 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)');
  const alarmEmails = checkEach(CONTEXT.alarmEmail, list('alarmEmail', input.alarmEmails), (v) => EMAIL_ADDRESS.test(v), 'an email address');
  const alarmTopicArn = checkOne(CONTEXT.alarmTopicArn, str('alarmTopicArn', input.alarmTopicArn), (v) => SNS_TOPIC_ARN.test(v), 'one SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)');
  const topicRegion = alarmTopicArn?.split(':')[3];
  if (alarmTopicArn && !Token.isUnresolved(alarmTopicArn) && region && !Token.isUnresolved(region) && topicRegion !== region) {
    throw new Error(`Context "${CONTEXT.alarmTopicArn}" must be a topic in the stack's region (${region}), where CloudWatch alarms can notify it; got ${JSON.stringify(alarmTopicArn)}.`);
  }

  // Plain settings passed through to the functions, checked with the functions' own parser (with the
  // values above, which the functions read too), so a bad one fails here naming its context key.
  const fromContext: Record<string, string> = {};
  for (const [env, key] of Object.entries(PASS_THROUGH_CONTEXT)) {
    const v = environmentValue(ctx(key));
    if (v !== undefined) fromContext[env] = v;
  }
  const environment = { ...fromContext, ...input.environment };
  const named = new Set<string>(Object.keys(fromContext).filter((env) => input.environment?.[env] === undefined));
  if (input.publicBaseUrl === undefined) named.add('PUBLIC_BASE_URL');
  if (input.metricsNamespace === undefined) named.add('METRICS_NAMESPACE');
  if (input.snsTopicArns === undefined) named.add('SNS_TOPIC_ARNS');
  const checked: Record<string, string> = {
    ...environment,
    ...(publicBaseUrl ? { PUBLIC_BASE_URL: publicBaseUrl } : {}),
    METRICS_NAMESPACE: metricsNamespace,
    ...(snsTopicArns.length ? { SNS_TOPIC_ARNS: snsTopicArns.join(',') } : {}),
  };
  const problems = checkPassThroughContext(Object.fromEntries(Object.entries(checked).filter(([, v]) => !Token.isUnresolved(v))), named);
  if (problems) throw new Error(problems);

  return {
    publicBaseUrl,
    metricsNamespace,
    snsTopicArns,
    alarmEmails,
    alarmTopicArn,
    environment,
    throttle: { webhook: throttleOf('webhook'), api: throttleOf('api') },
    reservedConcurrency: reserved,
    sesIdentityArns: checkEach(
      CONTEXT.sesIdentityArns,
      input.sesIdentityArns ?? stringList(CONTEXT.sesIdentityArns, ctx(CONTEXT.sesIdentityArns)),
      (v) => SES_IDENTITY_ARN.test(v),
      'an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<domain or address>; wildcards are not allowed)',
    ),
    sesIdentities: checkEach(
      CONTEXT.sesIdentities,
      input.sesIdentities ?? stringList(CONTEXT.sesIdentities, ctx(CONTEXT.sesIdentities)),
      (v) => EMAIL_ADDRESS.test(v) || DOMAIN.test(v),
      'a domain or an email address (wildcards are not allowed)',
    ),
  };
}
