/** What rules, teams and round-robin need from the store (functions/adapters/dynamo-rules.ts). */
import type { CompiledRule } from './evaluate.ts';
import type { Rule } from './model.ts';

/** The caps the store enforces atomically (RULE_LIMITS). */
export interface RuleLimits {
  readonly maxRules: number;
  readonly maxPatterns: number;
  readonly maxPatternWeight: number;
}

export interface Team {
  readonly name: string;
  /** Agent names, in round-robin order. */
  readonly members: readonly string[];
  readonly version: number;
  readonly updatedAt: string;
}

export interface Agent {
  readonly name: string;
  /** Round-robin skips unavailable agents; an agent never marked is available. */
  readonly available: boolean;
  readonly updatedAt?: string;
}

export interface RulesStore {
  /** Every rule (one Query on one partition); at most RULE_LIMITS.maxRules. */
  listRules(): Promise<Rule[]>;
  getRule(id: string): Promise<Rule | undefined>;
  /** Create, unless the caps would be passed (the counts and the rule are written in one transaction). */
  createRule(rule: Rule, limits: RuleLimits): Promise<'created' | 'full' | 'too_many_patterns'>;
  /** Replace `previous` (guarded by its version: 'stale' when it changed or went since), moving the pattern counts in the same transaction. */
  replaceRule(rule: Rule, previous: Rule, limits: RuleLimits): Promise<'replaced' | 'stale' | 'too_many_patterns'>;
  /** Delete a rule (guarded by version when given). */
  deleteRule(id: string, expectedVersion?: number): Promise<'deleted' | 'missing' | 'stale'>;

  getTeam(name: string): Promise<Team | undefined>;
  /** Create or replace a team's members (guarded by version when given); undefined when stale. Keeps its round-robin counter. */
  putTeam(name: string, members: readonly string[], at: string, expectedVersion?: number): Promise<Team | undefined>;
  putAgent(agent: Required<Agent>): Promise<void>;
  /** The agents of these names that were ever marked (one BatchGet); the others are available. */
  getAgents(names: readonly string[]): Promise<Agent[]>;
  /** Take the team's next turn: one atomic counter increment; undefined when the team does not exist. */
  takeTurn(team: string): Promise<{ readonly turn: number; readonly members: readonly string[] } | undefined>;
  /** The turn the next takeTurn would give, without taking it. */
  peekTurn(team: string): Promise<{ readonly turn: number; readonly members: readonly string[] } | undefined>;
}

/** The rules port on CoreDeps: the store, and the enabled rules as ingest sees them (cached, core/rules/cache.ts). */
export interface RulesPorts {
  readonly store: RulesStore;
  active(): Promise<readonly CompiledRule[]>;
}

/** The rules port of a function that must have it wired. */
export function rulesOf(deps: { readonly rules?: RulesPorts | undefined }): RulesPorts {
  if (!deps.rules) throw new Error('the rules store is not wired in this function (see functions/wiring/rules.ts)');
  return deps.rules;
}
