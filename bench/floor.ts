/**
 * The raw floor: the exact DynamoDB and SQS calls the webhook made for one message (recorded on the
 * stack's own clients, marshalled, with their parallelism), replayed straight at the same engines
 * with fresh ids, so the only thing missing is everything the stack does around those calls (HTTP,
 * gateway, signature check, parsing, planning, logging, metrics, and the worker's contention).
 */
import * as ddb from '@aws-sdk/client-dynamodb';
import * as sqs from '@aws-sdk/client-sqs';
import { monotonicFactory } from 'ulid';
import { localClients, type AwsClients } from '../functions/adapters/clients.ts';
import type { CallRecord } from './instrument.ts';
import { sid } from './load.ts';

/** One call as a JSON template (tokens still the recorded ones), grouped with those it ran beside. */
interface Step {
  readonly service: 'dynamodb' | 'sqs';
  readonly command: string;
  readonly template: string;
}
export interface Recipe {
  readonly name: string;
  readonly groups: readonly (readonly Step[])[];
  readonly calls: number;
}

/** Calls that started before every earlier call of the group ended ran in parallel with them. */
export function recipeOf(name: string, calls: readonly CallRecord[]): Recipe {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const groups: Step[][] = [];
  let groupEnd = -Infinity;
  for (const c of sorted) {
    if (!c.input) throw new Error(`recipe ${name}: call ${c.command} was recorded without its input`);
    const { ReturnConsumedCapacity: _drop, ...input } = c.input;
    const step: Step = { service: c.service, command: c.command, template: JSON.stringify(input) };
    if (groups.length && c.start < groupEnd) groups.at(-1)!.push(step);
    else {
      groups.push([step]);
      groupEnd = Infinity;
    }
    groupEnd = Math.min(groupEnd, c.end);
  }
  return { name, groups, calls: sorted.length };
}

const ULID = /\b[0-9A-HJKMNP-TV-Z]{26}\b/g;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Fresh values for the tokens that make a message unique: every ULID in the recipes (ticket,
 * message, contact, event ids, in their original order), the customer's phone and the message SIDs.
 */
export class Remapper {
  readonly #tokens: string[];
  readonly #pattern: RegExp;
  readonly #ulid = monotonicFactory();
  #phoneSeq = 0;
  constructor(recipes: readonly Recipe[], fixed: { phones: readonly string[]; sids: readonly string[] }) {
    const all = recipes.flatMap((r) => r.groups.flat().map((s) => s.template)).join('\n');
    const ulids = [...new Set(all.match(ULID) ?? [])].sort();
    this.#tokens = [...ulids, ...fixed.phones.flatMap((p) => [p, p.replace(/^\+/, '')]), ...fixed.sids];
    this.#pattern = new RegExp([...this.#tokens].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
  }

  /** A mapping for one message's (or one ticket's) lifetime. */
  fresh(phoneBase = 7_000_000): Map<string, string> {
    const m = new Map<string, string>();
    for (const t of this.#tokens) {
      if (m.has(t)) continue;
      if (/^\+\d+$/.test(t)) {
        const p = `+1555${String(phoneBase + this.#phoneSeq++).padStart(7, '0')}`;
        m.set(t, p);
        m.set(t.slice(1), p.slice(1));
      } else if (/^SM/.test(t)) m.set(t, sid());
      else if (!/^\d+$/.test(t)) m.set(t, this.#ulid());
    }
    return m;
  }

  apply(template: string, m: ReadonlyMap<string, string>): string {
    return template.replace(this.#pattern, (t) => m.get(t) ?? t);
  }
}

type Prepared = ReadonlyArray<ReadonlyArray<() => Promise<unknown>>>;
type Ctor = new (input: unknown) => unknown;

export class Floor {
  readonly clients: AwsClients;
  readonly #remap: Remapper;
  readonly #queueUrl: string;
  constructor(endpoints: { dynamo: string; sqs: string }, remap: Remapper, floorQueueUrl: string) {
    // The same client settings the stack's own clients have (bounded timeouts, one retry).
    this.clients = localClients({ dynamo: endpoints.dynamo, sqs: endpoints.sqs });
    this.#remap = remap;
    this.#queueUrl = floorQueueUrl;
  }

  /** Build every command of the recipe for this mapping (outside any timing). */
  prepare(r: Recipe, m: ReadonlyMap<string, string>): Prepared {
    return r.groups.map((g) =>
      g.map((s) => {
        const input = JSON.parse(this.#remap.apply(s.template, m)) as Record<string, unknown>;
        if (s.service === 'sqs') {
          input['QueueUrl'] = this.#queueUrl;
          const Cmd = (sqs as unknown as Record<string, Ctor>)[s.command]!;
          return () => this.clients.sqs.send(new Cmd(input) as never);
        }
        const Cmd = (ddb as unknown as Record<string, Ctor>)[s.command]!;
        return () => this.clients.dynamo.send(new Cmd(input) as never);
      }),
    );
  }

  /** Run the prepared calls group by group (each group's calls in parallel); returns ms. */
  async run(p: Prepared): Promise<number> {
    const t0 = performance.now();
    for (const g of p) await Promise.all(g.map((f) => f()));
    return performance.now() - t0;
  }

  destroy(): void {
    this.clients.dynamo.destroy();
    this.clients.sqs.destroy();
    this.clients.s3.destroy();
    this.clients.ses.destroy();
  }
}
