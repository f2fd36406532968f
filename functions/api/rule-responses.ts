/**
 * Response shapes of the rules, teams and agents routes (and the `rule.applied` event's parts, used
 * by responses.ts). Imports nothing from responses.ts, so that file can import these.
 */
import * as z from 'zod';
import { RULE_FIELDS, RULE_OPS, RULE_TRIGGERS } from '../core/rules/model.ts';
import { PRIORITIES } from '../core/types.ts';

const T = '2026-11-25T09:30:00.000Z';
const RULE_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5M1';
const time = () => z.iso.datetime();
const ACTION_TYPES = ['setPriority', 'addTags', 'removeTags', 'assignTeam', 'assignAgent', 'assignRoundRobin', 'addNote'] as const;

export const RuleConditionView = z
  .object({
    field: z.enum(RULE_FIELDS),
    op: z.enum(RULE_OPS),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
    calendar: z.string().optional(),
    truncated: z.literal(true).optional().meta({ description: 'In a rule.applied event: the value was cut (lists to 5 items, values to 100 characters).' }),
  })
  .meta({ id: 'RuleConditionView', example: { field: 'channel', op: 'in', value: ['whatsapp', 'sms'] } });

export const RuleActionView = z
  .object({
    type: z.enum(ACTION_TYPES),
    value: z.union([z.string(), z.array(z.string())]),
    truncated: z.literal(true).optional().meta({ description: 'In a rule.applied event: the value was cut (lists to 5 items, values to 100 characters).' }),
  })
  .meta({ id: 'RuleActionView', example: { type: 'setPriority', value: 'urgent' } });

export const SkippedActionView = z.object({ action: RuleActionView, reason: z.string() }).meta({ id: 'SkippedAction', example: { action: { type: 'assignAgent', value: 'ana' }, reason: 'the ticket was assigned by a person (api:agent); rules never override that' } });

/** One fired rule in a `rule.applied` event (one event per message lists them all, bounded). */
export const FiredRuleSummaryView = z
  .object({
    rule: z.string().meta({ description: 'The rule id.' }),
    name: z.string(),
    version: z.int(),
    matched: z.array(RuleConditionView).optional().meta({ description: 'The conditions that held.' }),
    actions: z.array(RuleActionView).optional().meta({ description: 'What the rule did.' }),
    skipped: z.array(SkippedActionView).optional().meta({ description: 'What it did not do, and why.' }),
    truncated: z.literal(true).optional().meta({ description: 'Listed without matched/actions/skipped: the event keeps at most 32 KB of detail.' }),
  })
  .meta({ id: 'FiredRuleSummary', example: { rule: '01JDQ5G7Y8Z9A0B1C2D3E4F5M1', name: 'Urgent on WhatsApp', version: 1, matched: [{ field: 'channel', op: 'is', value: 'whatsapp' }], actions: [{ type: 'setPriority', value: 'urgent' }] } });

const EXAMPLE_RULE = {
  id: RULE_ID,
  name: 'Urgent on WhatsApp',
  enabled: true,
  on: ['ticket.created'],
  conditions: { all: [{ field: 'channel', op: 'is', value: 'whatsapp' }, { field: 'text', op: 'contains', value: ['stolen', 'fraud', 'block my card'] }] },
  actions: [{ type: 'setPriority', value: 'urgent' }, { type: 'addTags', value: ['fraud'] }],
  stop: false,
  position: 0,
  version: 1,
  createdAt: T,
  updatedAt: T,
};

export const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    on: z.array(z.enum(RULE_TRIGGERS)),
    conditions: z.object({ all: z.array(RuleConditionView).optional(), any: z.array(RuleConditionView).optional() }),
    actions: z.array(RuleActionView),
    stop: z.boolean(),
    position: z.int(),
    version: z.int().min(1).meta({ description: 'The ETag; send it as If-Match to PUT or DELETE.' }),
    createdAt: time(),
    updatedAt: time(),
  })
  .meta({ id: 'Rule', example: EXAMPLE_RULE });

export const RuleEnvelopeSchema = z.object({ rule: RuleSchema }).meta({ id: 'RuleEnvelope', example: { rule: EXAMPLE_RULE } });
export const RuleListSchema = z.object({ rules: z.array(RuleSchema).meta({ description: 'In the order they run.' }) }).meta({ id: 'RuleList', example: { rules: [EXAMPLE_RULE] } });

export const SignalsSchema = z
  .object({
    language: z.string().meta({ description: 'ISO 639-1 where one exists, else 639-3; `und` when unsure.' }),
    sentiment: z.number().min(-1).max(1),
    abusive: z.boolean(),
  })
  .meta({ id: 'Signals', example: { language: 'en', sentiment: -0.6, abusive: false } });

export const FiredRuleSchema = z
  .object({
    rule: z.string(),
    name: z.string(),
    version: z.int(),
    matched: z.array(RuleConditionView).meta({ description: 'The conditions that held.' }),
    actions: z.array(RuleActionView).meta({ description: 'The actions that took effect.' }),
    skipped: z.array(SkippedActionView),
  })
  .meta({ id: 'FiredRule' });

export const RuleTrialSchema = z
  .object({
    signals: SignalsSchema,
    fired: z.array(FiredRuleSchema),
    result: z.object({
      priority: z.enum(PRIORITIES),
      tags: z.array(z.string()),
      team: z.string().nullable(),
      assignee: z.string().nullable(),
      roundRobin: z
        .object({ team: z.string(), next: z.string().nullable(), reason: z.string().optional() })
        .nullable()
        .meta({ description: 'A round-robin the rules would start: the member whose turn is next (the counter is not moved).' }),
      notes: z.array(z.string()),
    }),
  })
  .meta({
    id: 'RuleTrial',
    example: {
      signals: { language: 'en', sentiment: -0.6, abusive: false },
      fired: [{ rule: RULE_ID, name: 'Urgent on WhatsApp', version: 1, matched: EXAMPLE_RULE.conditions.all, actions: EXAMPLE_RULE.actions, skipped: [] }],
      result: { priority: 'urgent', tags: ['fraud'], team: null, assignee: null, roundRobin: null, notes: [] },
    },
  });

const EXAMPLE_TEAM = { name: 'billing', members: ['ana', 'ben'], availability: [{ name: 'ana', available: true }, { name: 'ben', available: false }], version: 3, updatedAt: T };
export const TeamEnvelopeSchema = z
  .object({
    team: z.object({
      name: z.string(),
      members: z.array(z.string()).meta({ description: 'In round-robin order.' }),
      availability: z.array(z.object({ name: z.string(), available: z.boolean() })),
      version: z.int().min(1),
      updatedAt: time(),
    }),
  })
  .meta({ id: 'TeamEnvelope', example: { team: EXAMPLE_TEAM } });

export const AgentEnvelopeSchema = z
  .object({ agent: z.object({ name: z.string(), available: z.boolean(), updatedAt: time() }) })
  .meta({ id: 'AgentEnvelope', example: { agent: { name: 'ben', available: false, updatedAt: T } } });
