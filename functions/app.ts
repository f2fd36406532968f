/** Composition root: config + clients -> adapters -> core dependencies. Handlers and the local stack use it. */
import { ulid } from 'ulid';
import { EmfMetrics } from './adapters/metrics.ts';
import { createLogger } from './adapters/logger.ts';
import { DynamoTicketStore } from './adapters/dynamo-store.ts';
import { SqsJobQueue, SqsParkingQueue } from './adapters/sqs-queue.ts';
import { TwilioSender } from './adapters/twilio-sender.ts';
import { readSecretString, sharedClients, type AwsClients } from './adapters/clients.ts';
import { ApiService } from './api/service.ts';
import { buildConfig, type Config } from './config.ts';
import type { CoreDeps } from './core/ports.ts';

export interface Runtime {
  readonly config: Config;
  readonly deps: CoreDeps;
  readonly api: ApiService;
}

export function createRuntime(config: Config, clients: AwsClients, overrides: Partial<CoreDeps> = {}): Runtime {
  const deps: CoreDeps = {
    store: new DynamoTicketStore(clients.dynamo, config.tableName, config.dedupeTtlDays),
    jobs: new SqsJobQueue(clients.sqs, config.followUpQueueUrl),
    parking: new SqsParkingQueue(clients.sqs, config.ingestQueueUrl),
    metrics: new EmfMetrics(config.metricsNamespace),
    senders: {
      twilio: new TwilioSender({
        accountSid: config.twilio.accountSid,
        authToken: config.twilio.authToken,
        apiBaseUrl: config.twilio.apiBaseUrl,
      }),
    },
    clock: { now: () => new Date() },
    ids: { newId: () => ulid() },
    log: createLogger(),
    settings: {
      slaFirstResponseSeconds: config.slaFirstResponseSeconds,
      autoAck: config.autoAck,
      dedupeTtlDays: config.dedupeTtlDays,
    },
    ...overrides,
  };
  return { config, deps, api: new ApiService(deps, config) };
}

/** Config from the environment, plus the provider secret when PROVIDER_SECRETS_ARN is set. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const arn = env['PROVIDER_SECRETS_ARN'];
  return buildConfig(env, arn ? await readSecretString(arn) : undefined);
}

let runtime: Promise<Runtime> | undefined;
/** The container's runtime: built once per cold start; a failed build is retried on the next call. */
export function defaultRuntime(): Promise<Runtime> {
  runtime ??= loadConfig().then((c) => createRuntime(c, sharedClients()));
  runtime.catch(() => (runtime = undefined));
  return runtime;
}
