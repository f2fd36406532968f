/**
 * Triage rules' zod schemas: what the API accepts for a rule, a team or an agent name (and what the
 * OpenAPI document shows). A stored rule is always one these schemas accept. The rest of the rules'
 * model (bounds, fields, `Rule`, helpers) is in ./model.ts, re-exported here. Pure.
 */
import * as z from 'zod';
import { PRIORITIES } from '../types.ts';
import { conditionProblems, FIELD_SPECS, RULE_FIELDS, RULE_LIMITS, RULE_OPS, RULE_TRIGGERS } from './model.ts';

export * from './model.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const AGENT = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/;
export const TeamNameSchema = z.string().regex(NAME, 'a team name is 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit').meta({ example: 'billing' });
export const AgentNameSchema = z.string().regex(AGENT, 'an agent name is 1-100 letters, digits or . _ @ + -, starting with a letter or digit').meta({ example: 'ana' });

const clean = (s: string) => s.toWellFormed().replace(/[\u0000-\u001f\u007f]/g, '');
const TagSchema = z.string().transform(clean).pipe(z.string().trim().min(1).max(64));

export const ConditionSchema = z
  .object({
    field: z.enum(RULE_FIELDS),
    op: z.enum(RULE_OPS),
    // The longest value any field takes (an address); each field's own bound is checked below.
    value: z.union([z.string().max(RULE_LIMITS.maxAddressChars), z.number(), z.boolean(), z.array(z.string().max(RULE_LIMITS.maxAddressChars)).min(1).max(RULE_LIMITS.maxWords)]),
    calendar: z.string().min(1).max(64).optional().meta({ description: 'businessHours only: a calendar of the SLA settings.' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const message of conditionProblems(c)) ctx.addIssue({ code: 'custom', message });
  })
  .meta({
    id: 'RuleCondition',
    description: `A test on the message or its ticket. Fields and their operators: ${RULE_FIELDS.map((f) => `\`${f}\` (${FIELD_SPECS[f].ops.join(', ')})`).join('; ')}. \`in\`/\`notIn\`/\`contains\` take a list; \`contains\` matches any of its words or phrases, case- and accent-insensitively, on word boundaries; \`matches\` is a linear-time (RE2) regular expression, case-insensitive, at most ${RULE_LIMITS.maxPatternChars} characters.`,
    example: { field: 'text', op: 'contains', value: ['stolen', 'fraud'] },
  });
export type Condition = z.infer<typeof ConditionSchema>;

export const ActionSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('setPriority'), value: z.enum(PRIORITIES) }).strict(),
    z.object({ type: z.enum(['addTags', 'removeTags']), value: z.array(TagSchema).min(1).max(RULE_LIMITS.maxTags) }).strict(),
    z.object({ type: z.enum(['assignTeam', 'assignRoundRobin']), value: TeamNameSchema }).strict(),
    z.object({ type: z.literal('assignAgent'), value: AgentNameSchema }).strict(),
    z.object({ type: z.literal('addNote'), value: z.string().transform((s) => s.toWellFormed()).pipe(z.string().trim().min(1).max(RULE_LIMITS.maxNoteChars)) }).strict(),
  ])
  .meta({
    id: 'RuleAction',
    description: 'What a rule does when it fires: setPriority, addTags, removeTags, assignTeam, assignAgent, assignRoundRobin (value: a team name) or addNote (an internal note).',
    example: { type: 'setPriority', value: 'urgent' },
  });
export type Action = z.infer<typeof ActionSchema>;
export type ActionType = Action['type'];

export const ConditionsSchema = z
  .object({
    all: z.array(ConditionSchema).max(RULE_LIMITS.maxConditions).optional().meta({ description: 'Every one must hold.' }),
    any: z.array(ConditionSchema).max(RULE_LIMITS.maxConditions).optional().meta({ description: 'When given, at least one must hold.' }),
  })
  .strict()
  .refine((c) => (c.all?.length ?? 0) + (c.any?.length ?? 0) <= RULE_LIMITS.maxConditions, `a rule has at most ${RULE_LIMITS.maxConditions} conditions (all + any)`)
  .meta({ id: 'RuleConditions', description: 'No conditions: the rule fires on every message of its triggers.' });

/** What a client sends to create or replace a rule. */
export const RuleInputSchema = z
  .object({
    name: z.string().transform(clean).pipe(z.string().trim().min(1).max(100)),
    enabled: z.boolean().default(true),
    on: z
      .array(z.enum(RULE_TRIGGERS))
      .min(1)
      .max(2)
      .refine((a) => new Set(a).size === a.length, 'each trigger once')
      .meta({ description: '`ticket.created`: when an inbound message opens a ticket; `message.received`: on every counted inbound message (reactions, receipts, auto-replies, opt-out keywords and ratings do not count).' }),
    conditions: ConditionsSchema.default({}),
    actions: z.array(ActionSchema).min(1).max(RULE_LIMITS.maxActions),
    stop: z.boolean().default(false).meta({ description: 'When this rule fires, later rules are not evaluated.' }),
    position: z.int().min(0).max(1_000_000).optional().meta({ description: 'Rules run by ascending position (ties: oldest first). Default: after the last rule.' }),
  })
  .strict()
  .superRefine((r, ctx) => {
    const bytes = new TextEncoder().encode(JSON.stringify(r)).length;
    if (bytes > RULE_LIMITS.maxRuleBytes) ctx.addIssue({ code: 'custom', message: `a rule is at most ${RULE_LIMITS.maxRuleBytes / 1024} KB as JSON (UTF-8); this one is ${bytes} bytes` });
  })
  .meta({ description: `At most ${RULE_LIMITS.maxRuleBytes / 1024} KB as JSON (UTF-8).` });
export type RuleInput = z.infer<typeof RuleInputSchema>;

