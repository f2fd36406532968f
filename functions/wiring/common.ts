/**
 * What every function wires the same way: config loading, the ticket store, the follow-up queue,
 * metrics, logger, clock, ids, settings. The per-function files (webhook.ts, api.ts, worker.ts) add
 * their own ports; a port a function does not run is `notWired` (it throws if ever reached), so its
 * adapter and SDK client are not in that function's bundle.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { monotonicFactory } from 'ulid';
import { DynamoTicketStore } from '../adapters/dynamo-store.ts';
import { createLogger } from '../adapters/logger.ts';
import { EmfMetrics } from '../adapters/metrics.ts';
import { SqsJobQueue } from '../adapters/sqs-queue.ts';
import { buildConfig, type Config } from '../config.ts';
import type { CoreDeps } from '../core/ports.ts';

/** What a handler needs: the config and the core's ports. */
export interface FunctionRuntime {
  readonly config: Config;
  readonly deps: CoreDeps;
}

export type Fn = 'webhook' | 'api' | 'worker';

/** The ports every function wires identically. */
export type CommonPorts = 'store' | 'jobs' | 'metrics' | 'clock' | 'ids' | 'log' | 'settings';

export function commonDeps(config: Config, clients: { readonly dynamo: DynamoDBClient; readonly sqs: SQSClient }): Pick<CoreDeps, CommonPorts> {
  return {
    store: new DynamoTicketStore(clients.dynamo, config.tableName, config.dedupeTtlDays),
    jobs: new SqsJobQueue(clients.sqs, config.followUpQueueUrl),
    metrics: new EmfMetrics(config.metricsNamespace),
    clock: { now: () => new Date() },
    // Monotonic: events recorded in one change at one instant keep their order in the log.
    ids: { newId: monotonicFactory(), token: () => randomBytes(16).toString('hex') },
    log: createLogger(),
    settings: {
      sla: config.sla,
      autoAck: config.autoAck,
      automationRateLimitPerHour: config.automationRateLimitPerHour,
      cursorKey: config.cursorKey,
      surveyKey: config.surveyKey,
      publicBaseUrl: config.publicBaseUrl,
      followUps: config.followUps,
      dedupeTtlDays: config.dedupeTtlDays,
    },
  };
}

/**
 * A port this function does not run: any use throws, naming it (a wiring mistake shows at once
 * instead of, say, a reply silently not sent). Inspection (symbols, `then`) answers undefined.
 */
export function notWired<T extends object>(fn: Fn, port: string): T {
  return new Proxy({} as T, {
    get(_t, key) {
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
      throw new Error(`${port}.${key} is not wired in the ${fn} function (see functions/wiring/${fn}.ts)`);
    },
  });
}

/**
 * Config from the environment, plus the provider secret when PROVIDER_SECRETS_ARN is set. The
 * Secrets Manager client is loaded only then: the outbound-webhook functions and the local stack
 * never set it, so they never parse it.
 */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const arn = env['PROVIDER_SECRETS_ARN'];
  if (!arn) return buildConfig(env, undefined);
  const { readSecretString } = await import('../adapters/secrets.ts');
  return buildConfig(env, await readSecretString(arn));
}

/** The container's runtime: built once per cold start; a failed build is retried on the next call. */
export function perContainer<R>(build: (config: Config) => R): () => Promise<R> {
  let runtime: Promise<R> | undefined;
  return () => {
    runtime ??= loadConfig().then(build);
    runtime.catch(() => (runtime = undefined));
    return runtime;
  };
}
