/**
 * The desk's SLA configuration as the core uses it: ordered policies (first match wins) and named
 * business calendars, resolved for a ticket. Pure.
 */
import { ALWAYS_OPEN, type Calendar } from './calendar.ts';
import type { PolicyResolver } from './response-metrics.ts';
import { matchPolicy, type SlaPolicy } from './sla-policy.ts';
import type { EventDraft } from './ticket-events.ts';
import type { Actor } from './ticket-events.ts';
import type { Channel, Priority } from './types.ts';

export interface SlaSettings {
  readonly policies: readonly SlaPolicy[];
  readonly calendars: Readonly<Record<string, Calendar>>;
}

/** Names recorded in `sla.policy` events → the policy and its calendar (24/7 when it names none). */
export function resolverOf(sla: SlaSettings): PolicyResolver {
  const byName = new Map(sla.policies.map((p) => [p.name, p]));
  return (name) => {
    const policy = name === null ? undefined : byName.get(name);
    const calendar = policy?.calendar ? (sla.calendars[policy.calendar] ?? ALWAYS_OPEN) : ALWAYS_OPEN;
    return { policy, calendar };
  };
}

/** The `sla.policy` event that (re-)matches a ticket's policy. */
export function policyDraft(sla: SlaSettings, t: { channel: Channel; priority: Priority; tags: readonly string[] }, at: string, actor: Actor): EventDraft {
  const policy = matchPolicy(sla.policies, { channel: t.channel, priority: t.priority, tags: t.tags });
  return { type: 'sla.policy', at, actor, policy: policy?.name ?? null, calendar: policy?.calendar ?? null };
}
