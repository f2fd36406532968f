/**
 * Teams, agents' availability and fair round-robin. A round-robin turn is one atomic counter
 * increment on the team item, so N concurrent tickets get N distinct turns: with the same available
 * members, turn n goes to available[(n - 1) % available.length], an even split (±1). The worker
 * assigns with a version-guarded update and never touches a ticket someone already assigned.
 */
import { planNote, planPatch } from '../agent-actions.ts';
import { ClientError } from '../errors.ts';
import type { CoreDeps } from '../ports.ts';
import { rulesOf, type Agent, type RulesStore, type Team } from '../rules/ports.ts';
import { resolverOf } from '../sla-settings.ts';
import type { Actor } from '../ticket-events.ts';
import { recordEvents } from '../timeline.ts';
import type { Job, Ticket } from '../types.ts';
import { lostRace } from './retry.ts';

export interface TeamView extends Team {
  readonly availability: ReadonlyArray<{ readonly name: string; readonly available: boolean }>;
}

const notFound = (name: string) => new ClientError(404, 'not_found', `No team named "${name.slice(0, 64)}".`);

async function withAvailability(store: RulesStore, team: Team): Promise<TeamView> {
  const marked = new Map((await store.getAgents(team.members)).map((a) => [a.name, a.available]));
  return { ...team, availability: team.members.map((name) => ({ name, available: marked.get(name) ?? true })) };
}

export async function getTeam(deps: CoreDeps, name: string): Promise<TeamView> {
  const { store } = rulesOf(deps);
  const team = await store.getTeam(name);
  if (!team) throw notFound(name);
  return withAvailability(store, team);
}

export async function putTeam(deps: CoreDeps, name: string, members: readonly string[], ifMatch: number | undefined): Promise<TeamView> {
  const { store } = rulesOf(deps);
  if (new Set(members).size !== members.length) throw new ClientError(400, 'invalid_body', 'Each member is listed once.', [{ path: 'members', message: 'duplicate member' }]);
  const team = await store.putTeam(name, members, deps.clock.now().toISOString(), ifMatch);
  if (!team) {
    const current = await store.getTeam(name);
    throw new ClientError(412, 'version_mismatch', current ? `The team is at version ${current.version}, not ${ifMatch}; read it again.` : `No team named "${name}" yet: create it without If-Match.`);
  }
  return withAvailability(store, team);
}

export async function setAgentAvailability(deps: CoreDeps, name: string, available: boolean): Promise<Required<Agent>> {
  const agent = { name, available, updatedAt: deps.clock.now().toISOString() };
  await rulesOf(deps).store.putAgent(agent);
  return agent;
}

/** Whose turn `turn` is among the available members (skipping unavailable ones). */
export async function nextMember(store: Pick<RulesStore, 'getAgents'>, turn: { turn: number; members: readonly string[] }): Promise<{ member?: string; reason?: string }> {
  if (turn.members.length === 0) return { reason: 'the team has no members' };
  const unavailable = new Set((await store.getAgents(turn.members)).filter((a) => !a.available).map((a) => a.name));
  const available = turn.members.filter((m) => !unavailable.has(m));
  if (available.length === 0) return { reason: 'no member of the team is available' };
  return { member: available[(((turn.turn - 1) % available.length) + available.length) % available.length]! };
}

/**
 * How long a round-robin claim on a ticket holds: the worker queue's visibility timeout, so the
 * redelivery of a run that died comes after its claim expired and takes over.
 */
export const RR_CLAIM_LEASE_MS = 300_000;

/** Whether a round-robin may still assign the ticket: nobody assigned it, no person chose, same team. */
const eligible = (t: Ticket, team: string): boolean => t.assignee === undefined && (t.assignedBy === undefined || t.assignedBy.startsWith('rule:')) && t.team === team;

/**
 * The worker's `assign` job. One turn per assignment, whatever the duplicates: the run first claims
 * the ticket (a version-guarded write of `rrClaim`), and only the claimant takes a turn (one atomic
 * counter increment) and assigns (version-guarded, releasing the claim). A run that finds another's
 * live claim comes back when the lease ends (by then the ticket is assigned, or that run died and
 * this one takes over). A run dying between its turn and its write burns that turn (README).
 */
export async function assignRoundRobin(deps: CoreDeps, job: Extract<Job, { kind: 'assign' }>, deliveryId?: string): Promise<void> {
  const { store } = rulesOf(deps);
  const actor: Actor = `rule:${job.rule}`;
  // The queue message's id: the same on a redelivery of this job (so a run that failed after claiming
  // resumes its own claim instead of waiting out the lease), different for a duplicate job.
  const run = deliveryId ?? deps.ids.newId();
  let claimed: Ticket | undefined;
  for (let attempt = 1; !claimed; attempt++) {
    const t = await deps.store.getTicket(job.ticketId);
    // Someone (a person, or a later rule) assigned it meanwhile, or it moved to another team: nothing to do.
    if (!t || !eligible(t, job.team)) return;
    if (t.rrClaim?.run === run) {
      claimed = t; // our own claim, from an attempt of this delivery that failed after writing it
      break;
    }
    const now = deps.clock.now();
    const left = t.rrClaim ? Date.parse(t.rrClaim.at) + RR_CLAIM_LEASE_MS - now.getTime() : 0;
    if (left > 0) {
      await deps.jobs.enqueue([{ job, delaySeconds: Math.min(900, Math.ceil(left / 1000)) }]);
      deps.log.info('round-robin: another run is assigning this ticket; looking again when its claim ends', { ticketId: job.ticketId, team: job.team });
      return;
    }
    const next: Ticket = { ...t, rrClaim: { run, at: now.toISOString() }, version: t.version + 1 };
    try {
      await deps.store.updateTicket(next, t.version, { events: [], stats: [] });
      claimed = next;
    } catch (e) {
      if (await lostRace(e, attempt, undefined, 10)) continue;
      throw e;
    }
  }
  const turn = await store.takeTurn(job.team);
  const pick = turn ? await nextMember(store, turn) : { reason: `no team named ${job.team}` };
  for (let attempt = 1; ; attempt++) {
    const current = attempt === 1 ? claimed : await deps.store.getTicket(job.ticketId);
    // Our claim expired and another run took over (or the ticket went): that run assigns.
    if (!current || current.rrClaim?.run !== run) return;
    const { rrClaim: _released, ...ticket } = current;
    const ctx = { now: deps.clock.now(), newId: () => deps.ids.newId(), settings: deps.settings };
    const plan = !eligible(ticket, job.team)
      ? { ticket: { ...ticket, version: ticket.version + 1 }, change: { events: [], stats: [] }, metrics: [], jobs: [] }
      : pick.member
        ? planPatch(ticket, { assignee: pick.member }, actor, ctx)
        : recordEvents(ticket, [{ type: 'assignment.skipped', at: ctx.now.toISOString(), actor, rule: job.rule, team: job.team, reason: pick.reason ?? 'no member available' }], {
            resolve: resolverOf(deps.settings.sla),
            newId: ctx.newId,
            now: ctx.now,
            followUps: deps.settings.followUps,
          });
    try {
      await deps.store.updateTicket(plan.ticket, current.version, plan.change);
    } catch (e) {
      if (await lostRace(e, attempt, undefined, 10)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    if (plan.jobs.length) await deps.jobs.enqueue(plan.jobs);
    deps.log.info(pick.member ? 'round-robin assigned' : 'round-robin skipped', { ticketId: job.ticketId, team: job.team, rule: job.rule, ...(pick.member ? { assignee: pick.member, turn: turn?.turn } : { reason: pick.reason }) });
    return;
  }
}

/**
 * The worker's `rule-note` job: the rule's internal note on the ticket, once (its id is fixed by the
 * ingest). The job names the note (rule, version, action index); its text is read from the rule, so
 * a rule changed or deleted since the message arrived adds nothing (logged).
 */
export async function addRuleNote(deps: CoreDeps, job: Extract<Job, { kind: 'rule-note' }>): Promise<void> {
  const actor: Actor = `rule:${job.rule}`;
  const rule = await rulesOf(deps).store.getRule(job.rule);
  const action = rule?.version === job.version ? rule.actions[job.action] : undefined;
  if (!rule || !action || action.type !== 'addNote') {
    const reason = !rule ? 'the rule was deleted' : rule.version !== job.version ? `the rule is at version ${rule.version} now, not ${job.version}` : 'the rule has no such note';
    deps.log.info('rule note skipped', { ticketId: job.ticketId, rule: job.rule, version: job.version, reason });
    return;
  }
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(job.ticketId);
    if (!ticket) return;
    if ((await deps.store.getMessages(job.ticketId)).some((m) => m.id === job.noteId)) return;
    const plan = planNote(ticket, { text: action.value }, actor, job.noteId, { now: deps.clock.now(), newId: () => deps.ids.newId(), settings: deps.settings });
    try {
      await deps.store.appendMessage({ ticket: plan.ticket, expectedVersion: ticket.version, message: { ...plan.message, from: actor }, change: plan.change });
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit(plan.metrics);
    if (plan.jobs.length) await deps.jobs.enqueue(plan.jobs);
    return;
  }
}
