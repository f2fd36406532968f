/**
 * Triage rules, teams and agents in the single table:
 * - rules: `RULES` / `RULE#<id>` (one small partition: listing is one Query), and `RULES` / `COUNT`
 *   (how many rules exist, how many `matches` patterns they hold and those patterns' RE2 program
 *   sizes, moved in the same transaction as every create, replace and delete, so the caps hold under
 *   concurrent writes);
 * - teams: `TEAM#<name>` / `TEAM` (members, version, and `rr`, the round-robin counter, taken with
 *   one atomic `ADD`);
 * - agents: `AGENT#<name>` / `AGENT` (availability).
 */
import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Agent, RuleLimits, RulesStore, Team } from '../core/rules/ports.ts';
import { patternCount, patternWeight, type Rule } from '../core/rules/model.ts';

type Item = Record<string, unknown>;
type TxItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];
const costOf = (rule: Rule) => ({ p: patternCount(rule), w: patternWeight(rule) });
const RULES_PK = 'RULES';
export const ruleKeys = {
  rule: (id: string) => ({ PK: RULES_PK, SK: `RULE#${id}` }),
  count: () => ({ PK: RULES_PK, SK: 'COUNT' }),
  team: (name: string) => ({ PK: `TEAM#${name}`, SK: 'TEAM' }),
  agent: (name: string) => ({ PK: `AGENT#${name}`, SK: 'AGENT' }),
};

const strip = <T>(item: Item): T => {
  const { PK: _p, SK: _s, type: _t, rr: _rr, ...rest } = item;
  return rest as T;
};

const cancelled = (e: unknown): boolean => e instanceof TransactionCanceledException || e instanceof ConditionalCheckFailedException;

export class DynamoRulesStore implements RulesStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, table: string) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = table;
  }

  async listRules(): Promise<Rule[]> {
    const out: Rule[] = [];
    let start: Item | undefined;
    do {
      const r = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :rule)',
          ExpressionAttributeValues: { ':pk': RULES_PK, ':rule': 'RULE#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(r.Items ?? []).map((i) => strip<Rule>(i)));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getRule(id: string): Promise<Rule | undefined> {
    const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: ruleKeys.rule(id), ConsistentRead: true }));
    return r.Item ? strip<Rule>(r.Item) : undefined;
  }

  async createRule(rule: Rule, limits: RuleLimits): Promise<'created' | 'full' | 'too_many_patterns'> {
    const cost = costOf(rule);
    return this.#retrying(async () => {
      const r = await this.#transact(
        [
          this.#countUpdate({ n: 1, ...cost }, limits, true),
          { Put: { TableName: this.#table, Item: { ...ruleKeys.rule(rule.id), type: 'rule', ...rule }, ConditionExpression: 'attribute_not_exists(PK)' } },
        ],
        ['count', 'rule'] as const,
      );
      if (r === 'count') return (await this.#counts()).n >= limits.maxRules ? 'full' : 'too_many_patterns';
      if (r === 'rule') throw new Error('a rule with this id exists already');
      return r === 'ok' ? 'created' : r;
    });
  }

  async replaceRule(rule: Rule, previous: Rule, limits: RuleLimits): Promise<'replaced' | 'stale' | 'too_many_patterns'> {
    const now = costOf(rule);
    const before = costOf(previous);
    const delta = { n: 0, p: now.p - before.p, w: now.w - before.w };
    return this.#retrying(async () => {
      const r = await this.#transact(
        [
          {
            Put: {
              TableName: this.#table,
              Item: { ...ruleKeys.rule(rule.id), type: 'rule', ...rule },
              ConditionExpression: 'attribute_exists(PK) AND version = :v',
              ExpressionAttributeValues: { ':v': previous.version },
            },
          },
          this.#countUpdate(delta, limits, false),
        ],
        ['rule', 'count'] as const,
      );
      if (r === 'rule') return 'stale';
      if (r === 'count') return 'too_many_patterns';
      return r === 'ok' ? 'replaced' : r;
    });
  }

  async deleteRule(id: string, expectedVersion?: number): Promise<'deleted' | 'missing' | 'stale'> {
    return this.#retrying(async () => {
      const current = await this.getRule(id);
      if (!current) return 'missing';
      if (expectedVersion !== undefined && current.version !== expectedVersion) return 'stale';
      const cost = costOf(current);
      const r = await this.#transact(
        [
          { Delete: { TableName: this.#table, Key: ruleKeys.rule(id), ConditionExpression: 'attribute_exists(PK) AND version = :v', ExpressionAttributeValues: { ':v': current.version } } },
          { Update: { TableName: this.#table, Key: ruleKeys.count(), UpdateExpression: 'ADD n :n, p :p, w :w', ExpressionAttributeValues: { ':n': -1, ':p': -cost.p, ':w': -cost.w } } },
        ],
        ['rule', 'count'] as const,
      );
      // The rule changed (or went) between the read and the delete: look again.
      if (r === 'rule') return 'conflict';
      if (r === 'count') throw new Error('the rules count item refused a delete');
      return r === 'ok' ? 'deleted' : r;
    });
  }

  /** The counts on `RULES` / `COUNT`: rules (n), `matches` patterns (p), their RE2 program sizes (w). */
  async #counts(): Promise<{ n: number; p: number; w: number }> {
    const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: ruleKeys.count(), ConsistentRead: true }));
    return { n: Number(r.Item?.['n'] ?? 0), p: Number(r.Item?.['p'] ?? 0), w: Number(r.Item?.['w'] ?? 0) };
  }

  /** Move the counts, guarded so none passes its cap (DynamoDB conditions have no arithmetic: the caps come pre-subtracted). */
  #countUpdate(d: { n: number; p: number; w: number }, limits: RuleLimits, guardRules: boolean): TxItem {
    const guards: string[] = [];
    const values: Item = { ':n': d.n, ':p': d.p, ':w': d.w };
    if (guardRules) {
      guards.push('(attribute_not_exists(n) OR n < :maxn)');
      values[':maxn'] = limits.maxRules;
    }
    if (d.p > 0) {
      guards.push('(attribute_not_exists(p) OR p <= :maxp)');
      values[':maxp'] = limits.maxPatterns - d.p;
    }
    if (d.w > 0) {
      guards.push('(attribute_not_exists(w) OR w <= :maxw)');
      values[':maxw'] = limits.maxPatternWeight - d.w;
    }
    return {
      Update: {
        TableName: this.#table,
        Key: ruleKeys.count(),
        UpdateExpression: 'ADD n :n, p :p, w :w',
        ...(guards.length ? { ConditionExpression: guards.join(' AND ') } : {}),
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * One transaction: 'ok', the name of the item whose condition failed, or 'conflict' (a concurrent
   * transaction on the same items: the caller retries). Any other cancellation (a validation error,
   * a throttle) is an error, never mistaken for a full set of rules.
   */
  async #transact<N extends string>(items: TxItem[], names: readonly N[]): Promise<'ok' | 'conflict' | N> {
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'ok';
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      if (codes.includes('TransactionConflict')) return 'conflict';
      const failed = codes.findIndex((c) => c === 'ConditionalCheckFailed');
      if (failed >= 0 && codes.every((c, i) => i === failed || c === 'None')) return names[failed] ?? 'conflict';
      throw new Error(`rules transaction cancelled: ${codes.join(', ')}`);
    }
  }

  /** Retry a write that collided with a concurrent one (the caps still hold: every try re-checks them). */
  async #retrying<T extends string>(once: () => Promise<T | 'conflict'>): Promise<Exclude<T, 'conflict'>> {
    for (let attempt = 1; ; attempt++) {
      const r = await once();
      if (r !== 'conflict') return r as Exclude<T, 'conflict'>;
      if (attempt >= 10) throw new Error('rules write kept colliding with concurrent writes');
      await new Promise((res) => setTimeout(res, 10 * attempt + Math.random() * 20));
    }
  }

  async getTeam(name: string): Promise<Team | undefined> {
    const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: ruleKeys.team(name), ConsistentRead: true }));
    return r.Item ? strip<Team>(r.Item) : undefined;
  }

  async putTeam(name: string, members: readonly string[], at: string, expectedVersion?: number): Promise<Team | undefined> {
    try {
      // An update, not a put: the round-robin counter carries on across membership changes.
      const r = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: ruleKeys.team(name),
          UpdateExpression: 'SET #type = :type, #name = :name, members = :members, updatedAt = :at ADD version :one',
          ...(expectedVersion === undefined ? {} : { ConditionExpression: 'version = :v' }),
          ExpressionAttributeNames: { '#type': 'type', '#name': 'name' },
          ExpressionAttributeValues: { ':type': 'team', ':name': name, ':members': members, ':at': at, ':one': 1, ...(expectedVersion === undefined ? {} : { ':v': expectedVersion }) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<Team>(r.Attributes ?? {});
    } catch (e) {
      if (cancelled(e)) return undefined;
      throw e;
    }
  }

  async putAgent(agent: Required<Agent>): Promise<void> {
    await this.#doc.send(new PutCommand({ TableName: this.#table, Item: { ...ruleKeys.agent(agent.name), type: 'agent', ...agent } }));
  }

  async getAgents(names: readonly string[]): Promise<Agent[]> {
    const out: Agent[] = [];
    // BatchGetItem takes 100 keys; a team has at most 100 members.
    for (let i = 0; i < names.length; i += 100) {
      let pending: Item[] = [...new Set(names.slice(i, i + 100))].map(ruleKeys.agent);
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt > 5) throw new Error('DynamoDB left keys unprocessed after retries');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * attempt));
        const r = await this.#doc.send(new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }));
        out.push(...(r.Responses?.[this.#table] ?? []).map((it) => strip<Agent>(it)));
        pending = (r.UnprocessedKeys?.[this.#table]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return out;
  }

  async takeTurn(team: string): Promise<{ turn: number; members: readonly string[] } | undefined> {
    try {
      const r = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: ruleKeys.team(team),
          UpdateExpression: 'ADD rr :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { turn: Number(r.Attributes?.['rr']), members: (r.Attributes?.['members'] as string[] | undefined) ?? [] };
    } catch (e) {
      if (cancelled(e)) return undefined;
      throw e;
    }
  }

  async peekTurn(team: string): Promise<{ turn: number; members: readonly string[] } | undefined> {
    const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: ruleKeys.team(team), ConsistentRead: true }));
    if (!r.Item) return undefined;
    return { turn: Number(r.Item['rr'] ?? 0) + 1, members: (r.Item['members'] as string[] | undefined) ?? [] };
  }
}
