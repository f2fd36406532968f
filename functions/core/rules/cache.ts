/**
 * The enabled rules as ingest sees them: one Query at most every `ttlMs` per container, so a change
 * reaches messages received ttl (+ one refresh) later at the latest (README → Rules: 10 s with the
 * default 5 s). A refresh never holds ingest up for long: with a set in hand, ingest waits at most
 * `waitMs` and goes on with the last good set; a failed refresh keeps it (logged). When the very
 * first load fails, the message is ingested without rules (logged as an error, and the next
 * message tries again): triage never costs a customer message.
 */
import type { Clock, Logger } from '../ports.ts';
import { compileRules, type CompiledRule } from './evaluate.ts';
import type { RulesStore } from './ports.ts';
import { needsRe2 } from './model.ts';
import { loadRe2 } from './text.ts';

export class RuleCache {
  readonly #store: Pick<RulesStore, 'listRules'>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  #rules: readonly CompiledRule[] | undefined;
  #loadedAt = -Infinity;
  #refreshing: Promise<readonly CompiledRule[]> | undefined;

  constructor(store: Pick<RulesStore, 'listRules'>, opts: { clock: Clock; log: Logger; ttlMs: number; waitMs?: number }) {
    this.#store = store;
    this.#clock = opts.clock;
    this.#log = opts.log;
    this.#ttlMs = opts.ttlMs;
    this.#waitMs = opts.waitMs ?? 500;
  }

  async active(): Promise<readonly CompiledRule[]> {
    const now = this.#clock.now().getTime();
    if (this.#rules && now - this.#loadedAt < this.#ttlMs) return this.#rules;
    const refresh = (this.#refreshing ??= this.#refresh());
    if (!this.#rules) {
      return refresh.catch((e: unknown) => {
        this.#log.error('rules could not be loaded; this message is ingested without them', { error: e instanceof Error ? e.message : String(e) });
        return [];
      });
    }
    const last = this.#rules;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stale = new Promise<readonly CompiledRule[]>((resolve) => (timer = setTimeout(() => resolve(last), this.#waitMs)));
    try {
      return await Promise.race([refresh.catch(() => last), stale]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #refresh(): Promise<readonly CompiledRule[]> {
    try {
      const list = await this.#store.listRules();
      // RE2 is parsed only by a container whose rules hold a pattern (a failed load keeps the last good set).
      if (needsRe2(list)) await loadRe2();
      const rules = compileRules(list);
      this.#rules = rules;
      return rules;
    } catch (e) {
      if (this.#rules) this.#log.warn('rules refresh failed; keeping the last good set', { error: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      // Success or failure, the next try waits a full ttl (a failing store is not hammered).
      this.#loadedAt = this.#clock.now().getTime();
      this.#refreshing = undefined;
    }
  }
}
