/**
 * SLA policies (`SLA_POLICIES`): an ordered list, the first policy whose `match` fits the ticket wins.
 * Pure: no I/O.
 */
import * as z from 'zod';
import { CHANNELS, PRIORITIES, type Channel, type Priority } from './types.ts';
import type { SlaTarget } from './ticket-events.ts';

export interface SlaPolicy {
  readonly name: string;
  /** Every given criterion must hold; a criterion left out matches anything. */
  readonly match: {
    readonly channels?: readonly Channel[];
    readonly priorities?: readonly Priority[];
    /** The ticket carries at least one of these tags. */
    readonly tags?: readonly string[];
  };
  /** Name of a business-hours calendar; absent = 24/7 (and business measures are null). */
  readonly calendar?: string;
  /** Seconds: first reply, every next reply (per cycle), resolution (paused while pending). */
  readonly targets: Partial<Record<SlaTarget, number>>;
  /** Seconds before a due time at which a `sla.warning` is raised. */
  readonly warnBefore?: number;
}

const seconds = z.number().int().positive();

const PolicySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    match: z
      .object({
        channels: z.array(z.enum(CHANNELS)).min(1).optional(),
        priorities: z.array(z.enum(PRIORITIES)).min(1).optional(),
        tags: z.array(z.string().min(1).max(100)).min(1).optional(),
      })
      .strict()
      .default({}),
    calendar: z.string().trim().min(1).max(100).optional(),
    targets: z
      .object({ firstReply: seconds.optional(), nextReply: seconds.optional(), resolution: seconds.optional() })
      .strict()
      .refine((t) => t.firstReply !== undefined || t.nextReply !== undefined || t.resolution !== undefined, {
        message: 'at least one target (firstReply, nextReply, resolution)',
      }),
    warnBefore: seconds.optional(),
  })
  .strict();

/** The `SLA_POLICIES` JSON: an ordered array of policies with unique names. */
export const SlaPoliciesSchema = z.array(PolicySchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate policy name "${p.name}"` });
    seen.add(p.name);
  });
});

export const parseSlaPolicies = (json: string): SlaPolicy[] => SlaPoliciesSchema.parse(JSON.parse(json)) as SlaPolicy[];

export interface PolicySubject {
  readonly channel: Channel;
  readonly priority: Priority;
  readonly tags: readonly string[];
}

export function matchPolicy(policies: readonly SlaPolicy[], subject: PolicySubject): SlaPolicy | undefined {
  return policies.find((p) => {
    const m = p.match;
    if (m.channels && !m.channels.includes(subject.channel)) return false;
    if (m.priorities && !m.priorities.includes(subject.priority)) return false;
    if (m.tags && !m.tags.some((t) => subject.tags.includes(t))) return false;
    return true;
  });
}

/** Today's behaviour as policies: one per channel (`default-<channel>`), a first-reply target only, 24/7. */
export const defaultPolicies = (firstResponseByChannel: Readonly<Record<Channel, number>>): SlaPolicy[] =>
  CHANNELS.map((channel) => ({
    name: `default-${channel}`,
    match: { channels: [channel] },
    targets: { firstReply: firstResponseByChannel[channel] },
  }));
