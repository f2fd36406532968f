/**
 * Configuration: the environment parsed once with zod, merged with the provider secret read once
 * per cold start when deployed. A bad value fails fast with a message naming the variable.
 */
import { z } from 'zod';
import { SCOPES } from './core/auth.ts';
import { CHANNELS, type Channel } from './core/types.ts';
import { DEDUPE_TTL_DAYS, QUEUES, TABLE } from './spec.ts';

const jsonString = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const ApiKeysSchema = z
  .array(
    z.object({
      key: z.string().min(16, 'API keys must be at least 16 characters'),
      scopes: z.array(z.enum(SCOPES)).min(1),
      name: z.string().optional(),
    }),
  )
  .min(1);

const DEFAULT_SLA: Record<Channel, number> = {
  email: 4 * 3600,
  sms: 3600,
  whatsapp: 3600,
  messenger: 3600,
  instagram: 3600,
  telegram: 3600,
  x: 3600,
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

/** Local development defaults. They only apply when STAGE=local (set by `npm start` and the tests). */
export const LOCAL_DEFAULTS = {
  TWILIO_AUTH_TOKEN: 'local-twilio-auth-token',
  API_KEY: 'local-dev-api-key-0123456789',
} as const;

export const EnvSchema = z.object({
  STAGE: z.enum(['local', 'aws']).default('aws'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  TABLE_NAME: z.string().min(3).default(TABLE.defaultName),
  [QUEUES.followUp.urlEnv]: z.url().optional(),
  [QUEUES.ingest.urlEnv]: z.url().optional(),
  PROVIDER_SECRETS_ARN: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_API_BASE_URL: z.url().default('https://api.twilio.com'),
  API_KEYS: jsonString(ApiKeysSchema).optional(),
  METRICS_NAMESPACE: z.string().min(1).default('SupportDesk'),
  SLA_FIRST_RESPONSE_SECONDS: jsonString(SlaSchema).optional(),
  AUTO_ACK_ENABLED: boolish.default(true),
  AUTO_ACK_TEXT: z
    .string()
    .min(1)
    .max(1000)
    .default("Thanks for getting in touch. We've received your message (ticket {ticket}) and will reply soon."),
});

/** Provider secrets and API keys: from the env locally, from Secrets Manager when deployed. */
export const SecretsSchema = z
  .object({
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
    API_KEYS: ApiKeysSchema.optional(),
  })
  .loose();

export interface Config {
  readonly stage: 'local' | 'aws';
  readonly port: number;
  readonly publicBaseUrl: string;
  readonly tableName: string;
  readonly followUpQueueUrl: string;
  readonly ingestQueueUrl: string;
  readonly metricsNamespace: string;
  readonly twilio: { readonly authToken?: string; readonly accountSid?: string; readonly apiBaseUrl: string };
  readonly apiKeys: z.infer<typeof ApiKeysSchema>;
  readonly slaFirstResponseSeconds: Readonly<Record<Channel, number>>;
  readonly autoAck: { readonly enabled: boolean; readonly text: string };
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
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = EnvSchema.safeParse(clean);
  if (!r.success) throw new ConfigError(`Invalid configuration: ${describe(r.error)}`);
  return r.data;
}

/** Build the config from the env and (when deployed) the provider secret's JSON. */
export function buildConfig(env: Record<string, string | undefined>, secretJson?: string): Config {
  const e = parseEnv(env);
  let secrets: z.infer<typeof SecretsSchema> = {};
  if (secretJson !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(secretJson);
    } catch {
      throw new ConfigError('Invalid configuration: the provider secret is not valid JSON');
    }
    const r = SecretsSchema.safeParse(raw);
    if (!r.success) throw new ConfigError(`Invalid configuration in the provider secret: ${describe(r.error)}`);
    secrets = r.data;
  }
  const local = e.STAGE === 'local';
  const followUpQueueUrl = e[QUEUES.followUp.urlEnv];
  const ingestQueueUrl = e[QUEUES.ingest.urlEnv];
  if (!followUpQueueUrl || !ingestQueueUrl) {
    throw new ConfigError(`Invalid configuration: ${QUEUES.followUp.urlEnv} and ${QUEUES.ingest.urlEnv} are required`);
  }
  const authToken = secrets.TWILIO_AUTH_TOKEN ?? e.TWILIO_AUTH_TOKEN ?? (local ? LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN : undefined);
  const accountSid = secrets.TWILIO_ACCOUNT_SID ?? e.TWILIO_ACCOUNT_SID;
  const apiKeys =
    secrets.API_KEYS ?? e.API_KEYS ?? (local ? [{ key: LOCAL_DEFAULTS.API_KEY, scopes: [...SCOPES], name: 'local-dev' }] : []);
  return {
    stage: e.STAGE,
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    tableName: e.TABLE_NAME,
    followUpQueueUrl,
    ingestQueueUrl,
    metricsNamespace: e.METRICS_NAMESPACE,
    twilio: {
      ...(authToken ? { authToken } : {}),
      ...(accountSid ? { accountSid } : {}),
      apiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    },
    apiKeys,
    slaFirstResponseSeconds: e.SLA_FIRST_RESPONSE_SECONDS ?? DEFAULT_SLA,
    autoAck: { enabled: e.AUTO_ACK_ENABLED, text: e.AUTO_ACK_TEXT },
    dedupeTtlDays: DEDUPE_TTL_DAYS,
    ...(e.PROVIDER_SECRETS_ARN ? { providerSecretsArn: e.PROVIDER_SECRETS_ARN } : {}),
  };
}
