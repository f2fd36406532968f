/** Triage rules (scope admin): list, create, read, replace, delete, and try them on a sample message. */
import * as z from 'zod';
import type { Principal } from '../../core/auth.ts';
import { ClientError } from '../../core/errors.ts';
import { RuleInputSchema, RULE_LIMITS, type Rule } from '../../core/rules/schema.ts';
import { loadRe2 } from '../../core/rules/text.ts';
import { createRule, deleteRule, getRule, listRules, replaceRule, tryRules } from '../../core/services/rules.ts';
import { CHANNELS } from '../../core/types.ts';
import { json } from '../../http.ts';
import { cleanText, etag, ifMatchVersion, ULID } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { RuleEnvelopeSchema, RuleListSchema, RuleTrialSchema } from '../rule-responses.ts';

/**
 * Rules, teams and agents span every channel (a rule can route any channel's tickets and shows what
 * it matches): a key restricted to some channels may not use them (403), whatever its scopes.
 */
export function requireAllChannels(principal: Principal): void {
  if (principal.channels !== undefined) {
    throw new ClientError(403, 'forbidden', `This API key is restricted to some channels (${principal.channels.join(', ')}); rules, teams and agents span every channel and need a key without a channel restriction.`);
  }
}

const ruleId = (params: Readonly<Record<string, string | undefined>>): string => {
  const id = params['id'] ?? '';
  if (!ULID.test(id)) throw new ClientError(404, 'not_found', `No rule with id "${id.slice(0, 64)}".`);
  return id;
};

/** A rule as the API shows it (the stored fields, in a fixed order). */
export const ruleView = (r: Rule) => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  on: r.on,
  conditions: { ...(r.conditions.all ? { all: r.conditions.all } : {}), ...(r.conditions.any ? { any: r.conditions.any } : {}) },
  actions: r.actions,
  stop: r.stop,
  position: r.position,
  version: r.version,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const SampleSchema = z
  .object({
    channel: z.enum(CHANNELS),
    text: z.string().transform(cleanText).pipe(z.string().max(64 * 1024)),
    subject: z.string().transform(cleanText).pipe(z.string().max(998)).optional(),
    from: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(320)).optional(),
    provider: z.string().regex(/^[a-z0-9-]{1,32}$/).optional().meta({ description: "Default: the channel's usual provider." }),
  })
  .strict();

const EXAMPLE_BODY = {
  name: 'Urgent on WhatsApp',
  on: ['ticket.created'],
  conditions: { all: [{ field: 'channel', op: 'is', value: 'whatsapp' }, { field: 'text', op: 'contains', value: ['stolen', 'fraud', 'block my card'] }] },
  actions: [{ type: 'setPriority', value: 'urgent' }, { type: 'addTags', value: ['fraud'] }],
};
const BAD_RULE = `A field, operator or value that does not fit (e.g. \`lt\` on channel), a pattern RE2 does not support (backreferences, lookaround), an unknown calendar, more than ${RULE_LIMITS.maxConditions} conditions or ${RULE_LIMITS.maxActions} actions.`;

export const ruleRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/rules',
    scope: 'admin',
    summary: 'List the triage rules, in the order they run',
    responses: { 200: { description: 'Every rule (at most 200).', schema: RuleListSchema } },
    async handle({ deps, principal }) {
      requireAllChannels(principal);
      return json(200, { rules: (await listRules(deps)).map(ruleView) });
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/rules',
    scope: 'admin',
    summary: 'Create a triage rule',
    responses: { 201: { description: 'The rule; it applies to messages received 10 s later at the latest.', schema: RuleEnvelopeSchema, headers: { ETag: 'The version, for If-Match.' } } },
    errors: { 400: BAD_RULE, 409: `There are ${RULE_LIMITS.maxRules} rules already, or the rules would hold more than ${RULE_LIMITS.maxPatterns} \`matches\` conditions in all.` },
    bodyExample: EXAMPLE_BODY,
    // RuleInputSchema compiles `matches` patterns synchronously: RE2 must be loaded before the body is parsed.
    prepare: loadRe2,
    body: RuleInputSchema,
    async handle({ deps, principal, body }) {
      requireAllChannels(principal);
      const rule = await createRule(deps, body);
      return json(201, { rule: ruleView(rule) }, etag(rule.version));
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/rules/test',
    scope: 'admin',
    summary: 'Try the current rules on a sample message (writes nothing)',
    responses: { 200: { description: "The sample's signals, the rules that would fire with the conditions that held, and the outcome.", schema: RuleTrialSchema } },
    bodyExample: { channel: 'whatsapp', text: 'My card was stolen, block it now!', from: '+15551230000' },
    body: SampleSchema,
    async handle({ deps, principal, body }) {
      requireAllChannels(principal);
      return json(200, await tryRules(deps, body));
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/rules/{id}',
    scope: 'admin',
    summary: 'Read a triage rule',
    responses: { 200: { description: 'The rule.', schema: RuleEnvelopeSchema, headers: { ETag: 'The version, for If-Match.' } } },
    async handle({ deps, principal, params }) {
      requireAllChannels(principal);
      const rule = await getRule(deps, ruleId(params));
      return json(200, { rule: ruleView(rule) }, etag(rule.version));
    },
  }),

  defineRoute({
    method: 'PUT',
    path: '/v1/rules/{id}',
    scope: 'admin',
    summary: 'Replace a triage rule (its version goes up by one)',
    responses: { 200: { description: 'The rule after the change.', schema: RuleEnvelopeSchema, headers: { ETag: 'The new version.' } } },
    errors: { 400: BAD_RULE, 409: `The rules would hold more than ${RULE_LIMITS.maxPatterns} \`matches\` conditions in all.` },
    bodyExample: EXAMPLE_BODY,
    // RuleInputSchema compiles `matches` patterns synchronously: RE2 must be loaded before the body is parsed.
    prepare: loadRe2,
    body: RuleInputSchema,
    ifMatch: true,
    async handle({ deps, principal, req, params, body }) {
      requireAllChannels(principal);
      const id = ruleId(params);
      const rule = await replaceRule(deps, id, body, ifMatchVersion(req));
      return json(200, { rule: ruleView(rule) }, etag(rule.version));
    },
  }),

  defineRoute({
    method: 'DELETE',
    path: '/v1/rules/{id}',
    scope: 'admin',
    summary: 'Delete a triage rule',
    responses: { 204: { description: 'Deleted.' } },
    ifMatch: true,
    async handle({ deps, principal, req, params }) {
      requireAllChannels(principal);
      const id = ruleId(params);
      await deleteRule(deps, id, ifMatchVersion(req));
      return { statusCode: 204, headers: {}, body: '' };
    },
  }),
];
