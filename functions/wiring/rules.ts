/**
 * The rules port (core/rules/ports.ts) for the webhook, worker and api functions: the DynamoDB
 * store (rules, teams, agents, round-robin counters) and the per-container cache ingest reads the
 * enabled rules through (one Query at most every RULES_CACHE_SECONDS, on the function's bounded
 * DynamoDB client).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRulesStore } from '../adapters/dynamo-rules.ts';
import { createLogger } from '../adapters/logger.ts';
import type { Config } from '../config.ts';
import type { Clock, Logger } from '../core/ports.ts';
import { RuleCache } from '../core/rules/cache.ts';
import type { RulesPorts } from '../core/rules/ports.ts';

export function rulesPorts(config: Pick<Config, 'tableName' | 'rulesCacheSeconds'>, clients: { readonly dynamo: DynamoDBClient }, runtime: { readonly clock: Clock; readonly log: Logger } = { clock: { now: () => new Date() }, log: createLogger() }): RulesPorts {
  const store = new DynamoRulesStore(clients.dynamo, config.tableName);
  const cache = new RuleCache(store, { clock: runtime.clock, log: runtime.log, ttlMs: config.rulesCacheSeconds * 1000 });
  return { store, active: () => cache.active() };
}
