/**
 * Configuration: the environment parsed once with zod, merged with the provider secret read once
 * per cold start when deployed. A bad value fails fast with a message naming the variable.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { hashKey, SCOPES, type ApiKey } from './core/auth.ts';
import { CHANNELS, type Channel } from './core/types.ts';
import { DEDUPE_TTL_DAYS, QUEUES, TABLE } from './spec.ts';
import { parseRetrySchedule } from './core/events-out/retry-schedule.ts';
import { parseCalendars } from './core/calendar.ts';
import type { VoiceSettings } from './core/voice/greeting.ts';
import { VoiceEnvSchema, voiceSettings } from './core/voice/settings.ts';
import { defaultPolicies, SlaPoliciesSchema, type SlaPolicy } from './core/sla-policy.ts';
import type { SlaSettings } from './core/sla-settings.ts';
import { FollowUpEnvSchema, followUpSettings, type FollowUpSettings } from './core/follow-ups/settings.ts';
import { parseApiChannelSecrets } from './core/api-channel.ts';

const jsonString = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

/** A key's name: the `api:<name>` in events and logs. */
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * One API_KEYS entry: `{"name", "hash": "sha256:<hex>", "scopes", "channels"?}`, or a plain `key`
 * instead of `hash` (local use). Unknown fields are refused, so a misspelt `channels` cannot
 * silently leave a key unrestricted.
 */
export const ApiKeyEntrySchema = z
  .object({
    name: z.string().regex(KEY_NAME, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit').optional(),
    key: z
      .string()
      .min(16, 'API keys must be at least 16 characters')
      .max(256, 'API keys must be at most 256 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as "Authorization: Bearer <key>")')
      .optional(),
    hash: z
      .string()
      .regex(/^sha256:[0-9a-fA-F]{64}$/, 'must be "sha256:" followed by the 64 hex digits of the key\'s SHA-256 (npm run key -- hash)')
      .transform((h) => h.toLowerCase())
      .optional(),
    scopes: z.array(z.enum(SCOPES)).min(1),
    channels: z
      .array(z.enum(CHANNELS))
      .min(1, 'lists at least one channel (leave it out for all channels)')
      .refine((c) => new Set(c).size === c.length, 'lists a channel twice')
      .optional(),
  })
  .strict()
  .superRefine((k, ctx) => {
    if ((k.key === undefined) === (k.hash === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "hash" (sha256:<hex>) and "key" (plain, for local use)' });
    }
    if (k.hash !== undefined && k.name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'is required for a hashed key (it names the key in events)' });
    }
  })
  .transform((k) => k as ApiKey);

/** Every key distinct: no two with the same name, no key configured twice (plain or hashed). */
const ApiKeysSchema = z
  .array(ApiKeyEntrySchema)
  .min(1)
  .superRefine((keys, ctx) => {
    const names = new Map<string, number>();
    const hashes = new Map<string, number>();
    keys.forEach((k, i) => {
      const name = k.name ?? `key-${i + 1}`;
      // (An entry that failed its own checks may reach here without either; it is reported already.)
      const h = k.hash ?? (typeof k.key === 'string' ? hashKey(k.key) : undefined);
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${name}" is also the name of entry ${names.get(name)}` });
      if (h && hashes.has(h)) ctx.addIssue({ code: 'custom', path: [i], message: `is the same key as entry ${hashes.get(h)}` });
      names.set(name, i);
      if (h) hashes.set(h, i);
    });
  });

const DEFAULT_SLA: Record<Channel, number> = {
  email: 4 * 3600,
  sms: 3600,
  whatsapp: 3600,
  messenger: 3600,
  instagram: 3600,
  telegram: 3600,
  x: 3600,
  viber: 3600,
  api: 3600,
  voice: 3600,
};

const SlaSchema = z.record(z.string(), z.number().int().positive()).transform((m, ctx) => {
  const out = { ...DEFAULT_SLA };
  for (const [k, v] of Object.entries(m)) {
    if (!(CHANNELS as readonly string[]).includes(k)) {
      ctx.addIssue({ code: 'custom', message: `unknown channel "${k}"` });
      return z.NEVER;
    }
    out[k as Channel] = v;
  }
  return out;
});

const boolish = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Provider secrets: each may come from the provider secret (deployed) or the environment (local).
 * Webhook-verification secrets have local defaults so `npm start` and the simulator work out of the box.
 */
export const SECRET_NAMES = [
  'TWILIO_AUTH_TOKEN',
  'TWILIO_ACCOUNT_SID',
  'META_APP_SECRET',
  'META_VERIFY_TOKEN',
  'META_ACCESS_TOKEN',
  'TELEGRAM_SECRET_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'X_CONSUMER_SECRET',
  'X_ACCESS_TOKEN',
  'VONAGE_SIGNATURE_SECRET',
  'VONAGE_API_KEY',
  'VONAGE_API_SECRET',
  /** Vonage Voice: the application whose private key signs recording downloads (adapters/vonage-recordings.ts). */
  'VONAGE_APPLICATION_ID',
  'VONAGE_PRIVATE_KEY',
  'MESSAGEBIRD_SIGNING_KEY',
  'MESSAGEBIRD_ACCESS_KEY',
  'SENDGRID_BASIC_AUTH',
  'SENDGRID_PUBLIC_KEY',
  'MAILGUN_SIGNING_KEY',
  'POSTMARK_BASIC_AUTH',
  'API_CHANNEL_SECRETS',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/**
 * The checks every provider secret passes, wherever it comes from (environment or the deployed
 * secret): not blank, no surrounding whitespace (a pasted newline would fail every signature), and
 * the provider's own format where it has one.
 */
const secretValue = (name: SecretName): z.ZodString => {
  const base = z
    .string()
    .min(1)
    .max(4096)
    .refine((v) => v.trim() === v, 'has leading or trailing whitespace');
  switch (name) {
    case 'TELEGRAM_SECRET_TOKEN':
      return base.regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -');
    case 'SENDGRID_BASIC_AUTH':
    case 'POSTMARK_BASIC_AUTH':
      return base.regex(/^[^:]+:.+$/, 'must be "user:password"');
    case 'SENDGRID_PUBLIC_KEY':
      return base.regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be the base64 DER public key');
    case 'VONAGE_PRIVATE_KEY':
      return z.string().min(1).max(8192).refine((v) => v.includes('PRIVATE KEY-----'), 'must be the PEM private key of the Vonage application');
    case 'TWILIO_ACCOUNT_SID':
      return base.regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits');
    case 'API_CHANNEL_SECRETS':
      return base.refine((v) => parseApiChannelSecrets(v) !== undefined, 'must be a JSON object of source ([a-z0-9_-]{1,64}) to "whsec_<base64>"');
    default:
      return base;
  }
};

/** Local development defaults. They only apply when STAGE=local (set by `npm start` and the tests). */
export const LOCAL_DEFAULTS = {
  TWILIO_AUTH_TOKEN: 'local-twilio-auth-token',
  META_APP_SECRET: 'local-meta-app-secret',
  META_VERIFY_TOKEN: 'local-meta-verify-token',
  TELEGRAM_SECRET_TOKEN: 'local-telegram-secret-token',
  X_CONSUMER_SECRET: 'local-x-consumer-secret',
  VONAGE_SIGNATURE_SECRET: 'local-vonage-signature-secret-0123456789',
  MESSAGEBIRD_SIGNING_KEY: 'local-messagebird-signing-key',
  SENDGRID_BASIC_AUTH: 'sendgrid:local-sendgrid-password',
  MAILGUN_SIGNING_KEY: 'local-mailgun-signing-key',
  POSTMARK_BASIC_AUTH: 'postmark:local-postmark-password',
  API_CHANNEL_SECRETS: '{"local":"whsec_bG9jYWwtYXBpLWNoYW5uZWwtc2VjcmV0LTAxMjM0NTY="}',
  API_KEY: 'local-dev-api-key-0123456789',
} as const satisfies Partial<Record<SecretName | 'API_KEY', string>>;

/** Base URLs of the providers' send APIs; tests point them at local stubs. */
export const API_BASE_DEFAULTS = {
  TWILIO_API_BASE_URL: 'https://api.twilio.com',
  META_GRAPH_BASE_URL: 'https://graph.facebook.com/v21.0',
  TELEGRAM_API_BASE_URL: 'https://api.telegram.org',
  X_API_BASE_URL: 'https://api.x.com',
  VONAGE_API_BASE_URL: 'https://api.nexmo.com',
  MESSAGEBIRD_API_BASE_URL: 'https://rest.messagebird.com',
} as const;
export type ApiBaseName = keyof typeof API_BASE_DEFAULTS;

export const EnvSchema = z.object({
  STAGE: z.enum(['local', 'aws']).default('aws'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  TABLE_NAME: z.string().min(3).default(TABLE.defaultName),
  [QUEUES.followUp.urlEnv]: z.url().optional(),
  [QUEUES.ingest.urlEnv]: z.url().optional(),
  [QUEUES.followUp.dlqUrlEnv]: z.url().optional(),
  [QUEUES.ingest.dlqUrlEnv]: z.url().optional(),
  [QUEUES.webhookDelivery.urlEnv]: z.url().optional(),
  [QUEUES.webhookDelivery.dlqUrlEnv]: z.url().optional(),
  /** Seconds between outbound webhook attempts (issue 13), comma-separated. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseRetrySchedule(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  PROVIDER_SECRETS_ARN: z.string().optional(),
  ...(Object.fromEntries(SECRET_NAMES.map((n) => [n, secretValue(n).optional()])) as Record<SecretName, z.ZodOptional<z.ZodString>>),
  ...(Object.fromEntries(Object.entries(API_BASE_DEFAULTS).map(([k, v]) => [k, z.url({ protocol: /^https?$/ }).default(v)])) as Record<
    ApiBaseName,
    z.ZodDefault<z.ZodURL>
  >),
  MAX_SIGNATURE_AGE_SECONDS: z.coerce.number().int().min(30).max(86400).default(300),
  /** Vonage Voice: ask Vonage to transcribe voicemails in this language (BCP-47, e.g. en-US); unset: no transcription. */
  VONAGE_TRANSCRIBE_LANGUAGE: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 language tag like en-US').optional(),
  MAILGUN_MAX_AGE_SECONDS: z.coerce.number().int().min(10).max(86400).default(300),
  SNS_TOPIC_ARNS: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/, 'must be SNS topic ARNs')))
    .optional(),
  /** Local only: the local gateway's per-route throttling (bin/local-throttle.ts); unset = the stack's default. */
  LOCAL_THROTTLE: z.enum(['on', 'off']).optional(),
  /** Local only: the PEM served for any valid SNS SigningCertURL, so the simulator can sign SES notifications. */
  SNS_CERT_FILE: z.string().min(1).optional(),
  ATTACHMENTS_BUCKET: z.string().min(3).default('support-attachments'),
  EMAIL_SENDER: z.enum(['ses', 'none']).optional(),
  EMAIL_FROM_ADDRESS: z.email().optional(),
  API_KEYS: jsonString(ApiKeysSchema).optional(),
  METRICS_NAMESPACE: z.string().min(1).default('SupportDesk'),
  /** How long ingest keeps the triage rules before reading them again (core/rules/cache.ts): a change applies within twice this. */
  RULES_CACHE_SECONDS: z.coerce.number().min(0.1).max(5).default(5),
  SLA_FIRST_RESPONSE_SECONDS: jsonString(SlaSchema).optional(),
  /** Named business calendars (see core/calendar.ts); checked as a whole below. */
  BUSINESS_CALENDARS: jsonString(z.record(z.string(), z.unknown())).optional(),
  SLA_POLICIES: jsonString(SlaPoliciesSchema).optional(),
  AUTO_ACK_ENABLED: boolish.default(true),
  /** Automated messages (acknowledgements, later surveys and reminders) one address may get per hour. */
  AUTOMATION_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(0).max(1000).default(5),
  AUTO_ACK_TEXT: z
    .string()
    .min(1)
    .max(1000)
    .default("Thanks for getting in touch. We've received your message (ticket {ticket}) and will reply soon."),
  /** Surveys, reminders, auto-resolve, auto-close, WhatsApp templates, quiet hours (core/follow-ups/settings.ts). */
  ...FollowUpEnvSchema.shape,
  /** Voice calls: greetings, calendar, forwarding, recordings, replies by SMS (core/voice/settings.ts). */
  ...VoiceEnvSchema.shape,
});

/** Provider secrets and API keys: from the env locally, from Secrets Manager when deployed. */
export const SecretsSchema = z
  .object({
    // "" (or null) in the secret means "not configured" for that provider, like an empty env var.
    ...(Object.fromEntries(SECRET_NAMES.map((n) => [n, z.union([z.literal(''), z.null(), secretValue(n)]).optional()])) as Record<
      SecretName,
      z.ZodOptional<z.ZodUnion<[z.ZodLiteral<''>, z.ZodNull, z.ZodString]>>
    >),
    API_KEYS: ApiKeysSchema.optional(),
    /** JSON values (or JSON strings), checked in slaSettings like the environment's. */
    BUSINESS_CALENDARS: z.unknown().optional(),
    SLA_POLICIES: z.unknown().optional(),
  })
  .loose();

export interface Config {
  readonly stage: 'local' | 'aws';
  readonly port: number;
  readonly publicBaseUrl: string;
  readonly tableName: string;
  /** Voice calls (VOICE_*). */
  readonly voice: VoiceSettings;
  readonly followUpQueueUrl: string;
  readonly ingestQueueUrl: string;
  /** DLQ URLs by queue; where one is missing a permanent failure is retried until SQS moves it. */
  readonly dlqUrls: Readonly<Partial<Record<'followUp' | 'ingest', string>>>;
  /** Every queue of functions/spec.ts QUEUES with its DLQ, by id, where its env variables are set (redrive). */
  readonly queueUrls: Readonly<Partial<Record<string, { readonly url?: string | undefined; readonly dlqUrl?: string | undefined }>>>;
  /** Outbound webhooks: the delivery queue and its DLQ (absent: the functions that need them refuse to start), the retry schedule. */
  readonly webhooks: { readonly queueUrl?: string; readonly dlqUrl?: string; readonly retrySchedule: readonly number[] };
  readonly metricsNamespace: string;
  /** RULES_CACHE_SECONDS: how long ingest keeps the triage rules (core/rules/cache.ts). */
  readonly rulesCacheSeconds: number;
  /** Provider secrets by name; undefined when not configured. */
  readonly secrets: Readonly<Partial<Record<SecretName, string>>>;
  readonly apiBaseUrls: Readonly<Record<ApiBaseName, string>>;
  /** Freshness window for timestamped signatures (Vonage iat). */
  readonly maxSignatureAgeSeconds: number;
  /** Vonage Voice transcription language (VONAGE_TRANSCRIBE_LANGUAGE); absent: voicemails are not transcribed. */
  readonly vonageTranscribeLanguage?: string;
  readonly mailgunMaxAgeSeconds: number;
  readonly snsTopicArns: readonly string[];
  readonly snsCertFile?: string;
  /** Local only: LOCAL_THROTTLE, when set. */
  readonly localThrottle?: 'on' | 'off';
  readonly attachmentsBucket: string;
  readonly emailSender: 'ses' | 'none';
  readonly emailFromAddress?: string;
  readonly apiKeys: readonly ApiKey[];
  readonly slaFirstResponseSeconds: Readonly<Record<Channel, number>>;
  /** SLA policies (first match wins) and the business calendars they name. */
  readonly sla: SlaSettings;
  readonly autoAck: { readonly enabled: boolean; readonly text: string };
  readonly automationRateLimitPerHour: number;
  readonly followUps: FollowUpSettings;
  /**
   * Signs API cursors. Derived from the deployment's secrets (the provider secret and the API keys),
   * so it is stable across containers, unknown outside, and changes when they are rotated.
   */
  readonly cursorKey: string;
  /**
   * Signs survey and unsubscribe links in emails (core/follow-ups/survey-token.ts): derived like
   * cursorKey under its own label. Rotating the secret invalidates links already sent.
   */
  readonly surveyKey: string;
  readonly dedupeTtlDays: number;
  readonly providerSecretsArn?: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const describe = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

export function parseEnv(env: Record<string, string | undefined>): z.infer<typeof EnvSchema> {
  const r = EnvSchema.safeParse(cleanEnv(env));
  if (!r.success) throw new ConfigError(`Invalid configuration: ${describe(r.error)}`);
  return r.data;
}

const cleanEnv = (env: Record<string, string | undefined>) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));

/**
 * BUSINESS_CALENDARS and SLA_POLICIES together: every calendar valid, every calendar a policy names
 * defined. Without SLA_POLICIES, today's first-response targets (SLA_FIRST_RESPONSE_SECONDS).
 */
function slaSettings(e: z.infer<typeof EnvSchema>, secrets: z.infer<typeof SecretsSchema>, problems: string[]): SlaSettings | undefined {
  const fromSecret = (name: 'BUSINESS_CALENDARS' | 'SLA_POLICIES'): unknown => {
    const v = secrets[name];
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      problems.push(`provider secret ${name}: is not valid JSON`);
      return undefined;
    }
  };
  const parsed = parseCalendars(secrets.BUSINESS_CALENDARS !== undefined ? (fromSecret('BUSINESS_CALENDARS') ?? {}) : (e.BUSINESS_CALENDARS ?? {}));
  if (!parsed.ok) {
    problems.push(...parsed.problems.map((p) => `BUSINESS_CALENDARS: ${p}`));
    return undefined;
  }
  let policies = e.SLA_POLICIES as SlaPolicy[] | undefined;
  if (secrets.SLA_POLICIES !== undefined) {
    const r = SlaPoliciesSchema.safeParse(fromSecret('SLA_POLICIES'));
    if (!r.success) {
      problems.push(...r.error.issues.map((i) => `provider secret SLA_POLICIES.${i.path.join('.')}: ${i.message}`));
      return undefined;
    }
    policies = r.data as SlaPolicy[];
  }
  policies ??= defaultPolicies(e.SLA_FIRST_RESPONSE_SECONDS ?? DEFAULT_SLA);
  const missing = policies.filter((p) => p.calendar !== undefined && !parsed.calendars[p.calendar]);
  for (const p of missing) problems.push(`SLA_POLICIES: policy "${p.name}" names calendar "${p.calendar}", which BUSINESS_CALENDARS does not define`);
  return missing.length ? undefined : { policies, calendars: parsed.calendars };
}

/** The provider secret's JSON, checked like the environment; the problems are named, not thrown. */
function parseSecret(secretJson: string | undefined, problems: string[]): z.infer<typeof SecretsSchema> {
  if (secretJson === undefined) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(secretJson);
  } catch {
    problems.push('the provider secret is not valid JSON');
    return {};
  }
  const r = SecretsSchema.safeParse(raw);
  if (r.success) return r.data;
  problems.push(...r.error.issues.map((i) => `provider secret ${i.path.join('.') || '(root)'}: ${i.message}`));
  return {};
}

/** Build the config from the env and (when deployed) the provider secret's JSON; every bad variable is named at once. */
export function buildConfig(env: Record<string, string | undefined>, secretJson?: string): Config {
  const problems: string[] = [];
  const parsedEnv = EnvSchema.safeParse(cleanEnv(env));
  if (!parsedEnv.success) problems.push(describe(parsedEnv.error));
  const secrets = parseSecret(secretJson, problems);
  const sla = parsedEnv.success ? slaSettings(parsedEnv.data, secrets, problems) : undefined;
  const voice = parsedEnv.success && sla ? voiceSettings(parsedEnv.data, sla.calendars, problems) : undefined;
  if (!parsedEnv.success || !sla || !voice || problems.length) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  const e = parsedEnv.data;
  const local = e.STAGE === 'local';
  const followUpQueueUrl = e[QUEUES.followUp.urlEnv];
  const ingestQueueUrl = e[QUEUES.ingest.urlEnv];
  if (!followUpQueueUrl || !ingestQueueUrl) {
    throw new ConfigError(`Invalid configuration: ${QUEUES.followUp.urlEnv} and ${QUEUES.ingest.urlEnv} are required`);
  }
  // Per variable: set in the secret wins; an empty value (secret or env) means "not configured" and
  // takes no local default, so that provider's route answers 503 while the others keep working.
  const resolved: Partial<Record<SecretName, string>> = {};
  for (const name of SECRET_NAMES) {
    const fallback = local ? (LOCAL_DEFAULTS as Partial<Record<SecretName, string>>)[name] : undefined;
    const v = name in secrets ? secrets[name] || undefined : env[name] === '' ? undefined : (e[name] ?? fallback);
    if (v) resolved[name] = v;
  }
  const apiBaseUrls = Object.fromEntries(
    Object.keys(API_BASE_DEFAULTS).map((k) => [k, e[k as ApiBaseName].replace(/\/+$/, '')]),
  ) as Record<ApiBaseName, string>;
  const apiKeys =
    secrets.API_KEYS ?? e.API_KEYS ?? (local ? [{ key: LOCAL_DEFAULTS.API_KEY, scopes: [...SCOPES], name: 'local-dev' }] : []);
  return {
    stage: e.STAGE,
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    tableName: e.TABLE_NAME,
    voice,
    followUpQueueUrl,
    ingestQueueUrl,
    dlqUrls: {
      ...(e[QUEUES.followUp.dlqUrlEnv] ? { followUp: e[QUEUES.followUp.dlqUrlEnv] } : {}),
      ...(e[QUEUES.ingest.dlqUrlEnv] ? { ingest: e[QUEUES.ingest.dlqUrlEnv] } : {}),
    },
    webhooks: {
      ...(e[QUEUES.webhookDelivery.urlEnv] ? { queueUrl: e[QUEUES.webhookDelivery.urlEnv] } : {}),
      ...(e[QUEUES.webhookDelivery.dlqUrlEnv] ? { dlqUrl: e[QUEUES.webhookDelivery.dlqUrlEnv] } : {}),
      retrySchedule: e.WEBHOOK_RETRY_SCHEDULE,
    },
    queueUrls: Object.fromEntries(Object.entries(QUEUES).map(([id, q]) => [id, { url: env[q.urlEnv] || undefined, dlqUrl: env[q.dlqUrlEnv] || undefined }])),
    metricsNamespace: e.METRICS_NAMESPACE,
    rulesCacheSeconds: e.RULES_CACHE_SECONDS,
    secrets: resolved,
    apiBaseUrls,
    maxSignatureAgeSeconds: e.MAX_SIGNATURE_AGE_SECONDS,
    ...(e.VONAGE_TRANSCRIBE_LANGUAGE ? { vonageTranscribeLanguage: e.VONAGE_TRANSCRIBE_LANGUAGE } : {}),
    mailgunMaxAgeSeconds: e.MAILGUN_MAX_AGE_SECONDS,
    snsTopicArns: e.SNS_TOPIC_ARNS ?? [],
    ...(local && e.SNS_CERT_FILE ? { snsCertFile: e.SNS_CERT_FILE } : {}),
    ...(local && e.LOCAL_THROTTLE ? { localThrottle: e.LOCAL_THROTTLE } : {}),
    attachmentsBucket: e.ATTACHMENTS_BUCKET,
    emailSender: e.EMAIL_SENDER ?? (local ? 'none' : 'ses'),
    ...(e.EMAIL_FROM_ADDRESS ? { emailFromAddress: e.EMAIL_FROM_ADDRESS } : {}),
    apiKeys,
    slaFirstResponseSeconds: e.SLA_FIRST_RESPONSE_SECONDS ?? DEFAULT_SLA,
    sla,
    autoAck: { enabled: e.AUTO_ACK_ENABLED, text: e.AUTO_ACK_TEXT },
    automationRateLimitPerHour: e.AUTOMATION_RATE_LIMIT_PER_HOUR,
    followUps: followUpSettings(e),
    cursorKey: createHash('sha256').update(`cursor-key|${secretJson ?? ''}|${JSON.stringify(apiKeys)}|${e.TABLE_NAME}`).digest('hex'),
    surveyKey: createHash('sha256').update(`survey-key|${secretJson ?? ''}|${JSON.stringify(apiKeys)}|${e.TABLE_NAME}`).digest('hex'),
    dedupeTtlDays: DEDUPE_TTL_DAYS,
    ...(e.PROVIDER_SECRETS_ARN ? { providerSecretsArn: e.PROVIDER_SECRETS_ARN } : {}),
  };
}
