/** Teams and agents for routing (scope admin): a team's members (round-robin order), an agent's availability. */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import { AgentNameSchema, TeamNameSchema } from '../../core/rules/schema.ts';
import { getTeam, putTeam, setAgentAvailability, type TeamView } from '../../core/services/teams.ts';
import { json } from '../../http.ts';
import { etag, ifMatchVersion } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { requireAllChannels } from './rules.ts';
import { AgentEnvelopeSchema, TeamEnvelopeSchema } from '../rule-responses.ts';

/** A path name: one that could never exist is a 404 on reads, a 400 on writes. */
function nameParam(params: Readonly<Record<string, string | undefined>>, schema: z.ZodString, what: 'team' | 'agent', write: boolean): string {
  const name = params['name'] ?? '';
  if (schema.safeParse(name).success) return name;
  if (write) throw new ClientError(400, 'invalid_name', `"${name.slice(0, 64)}" is not a valid ${what} name.`, [{ path: 'name', message: schema.safeParse(name).error!.issues[0]!.message }]);
  throw new ClientError(404, 'not_found', `No ${what} named "${name.slice(0, 64)}".`);
}

const teamView = (t: TeamView) => ({ name: t.name, members: t.members, availability: t.availability, version: t.version, updatedAt: t.updatedAt });

const TeamBodySchema = z.object({ members: z.array(AgentNameSchema).max(100).meta({ description: 'Agent names, in round-robin order (at most 100, each once).' }) }).strict();
const AgentBodySchema = z.object({ available: z.boolean().meta({ description: 'Round-robin skips an unavailable agent from the next assignment on.' }) }).strict();

export const teamRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/teams/{name}',
    scope: 'admin',
    summary: "Read a team: its members and each one's availability",
    responses: { 200: { description: 'The team.', schema: TeamEnvelopeSchema, headers: { ETag: 'The version, for If-Match.' } } },
    async handle({ deps, principal, params }) {
      requireAllChannels(principal);
      const team = await getTeam(deps, nameParam(params, TeamNameSchema, 'team', false));
      return json(200, { team: teamView(team) }, etag(team.version));
    },
  }),

  defineRoute({
    method: 'PUT',
    path: '/v1/teams/{name}',
    scope: 'admin',
    summary: "Create a team or replace its members (the round-robin counter carries on)",
    responses: { 200: { description: 'The team after the change.', schema: TeamEnvelopeSchema, headers: { ETag: 'The new version.' } } },
    errors: { 400: 'A team or agent name that is not 1-64 letters, digits, `.`, `_` or `-` (agents: also `@`, `+`), or a member listed twice.' },
    bodyExample: { members: ['ana', 'ben', 'chidi', 'dilys'] },
    body: TeamBodySchema,
    ifMatch: true,
    async handle({ deps, principal, req, params, body }) {
      requireAllChannels(principal);
      const name = nameParam(params, TeamNameSchema, 'team', true);
      const team = await putTeam(deps, name, body.members, ifMatchVersion(req));
      return json(200, { team: teamView(team) }, etag(team.version));
    },
  }),

  defineRoute({
    method: 'PATCH',
    path: '/v1/agents/{name}',
    scope: 'admin',
    summary: "Set an agent's availability for round-robin",
    responses: { 200: { description: 'The agent.', schema: AgentEnvelopeSchema } },
    errors: { 400: 'An agent name that is not 1-100 letters, digits or `.`, `_`, `-`, `@`, `+`.' },
    bodyExample: { available: false },
    body: AgentBodySchema,
    async handle({ deps, principal, params, body }) {
      requireAllChannels(principal);
      const agent = await setAgentAvailability(deps, nameParam(params, AgentNameSchema, 'agent', true), body.available);
      return json(200, { agent });
    },
  }),
];
