/**
 * The public survey page and one-click unsubscribe (issue 12), behind signed links in survey and
 * reminder emails (core/follow-ups/survey-token.ts). A score from the page is a rating like a typed
 * one (core/tickets.ts planIngest): the ticket's `survey` with a `survey.rated` event (channel
 * `web`), the report counters moved in the same transaction, the metrics for the first rating only;
 * the same answer again writes nothing. An unsubscribe writes the address's opt-out and a
 * `contact.opted_out` event on the ticket together. Every write is version-guarded and re-planned
 * on a lost race.
 */
import { ClientError } from '../errors.ts';
import { ratingCounters, surveyStatsPartition } from '../follow-ups/ratings.ts';
import { openSurveyToken, type SurveyLinkPurpose, type SurveyTokenClaims } from '../follow-ups/survey-token.ts';
import { MAX_COMMENT_CHARS, SCALES } from '../follow-ups/surveys.ts';
import { shardOf } from '../listing.ts';
import { METRIC, count, value, type MetricEvent } from '../metrics.ts';
import type { CoreDeps, StatsWrite } from '../ports.ts';
import { resolverOf } from '../sla-settings.ts';
import { recordEvents } from '../timeline.ts';
import type { SurveyRating, Ticket } from '../types.ts';
import { lostRace } from './retry.ts';

const gone = () => new ClientError(404, 'link_invalid', 'This link is not valid. Check that it was copied whole from the email.');

/** The ticket a link names, when the link is ours, unexpired, and (for a survey) still the ticket's survey. */
export async function openLink(deps: CoreDeps, token: string, purpose: SurveyLinkPurpose): Promise<{ claims: SurveyTokenClaims; ticket: Ticket }> {
  const key = deps.settings.surveyKey;
  if (!key) throw gone();
  const opened = openSurveyToken(key, token, purpose, deps.clock.now());
  if (!opened.ok) {
    if (opened.reason === 'expired') {
      throw new ClientError(410, 'link_expired', purpose === 'survey' ? 'This survey has closed: answers are taken for a limited time after it is sent.' : 'This unsubscribe link has expired. Reply STOP or ask us to stop automated messages.');
    }
    throw gone();
  }
  const ticket = await deps.store.getTicket(opened.claims.ticketId);
  // A ticket erased since, or a survey that is not the ticket's (cannot happen for a link we signed, but never trust a join).
  if (!ticket || ticket.erasedAt || (purpose === 'survey' && (ticket.surveyRequest?.messageId !== opened.claims.messageId || ticket.surveyRequest.kind !== opened.claims.kind))) throw gone();
  return { claims: opened.claims, ticket };
}

/** A score of `kind` from a query or form value; anything else is a 400. */
export function scoreOf(kind: SurveyTokenClaims['kind'], raw: string): number {
  const { min, max } = SCALES[kind];
  const n = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ClientError(400, 'invalid_score', `The score must be a whole number from ${min} to ${max}.`, [{ path: 'score', message: `expected ${min}–${max}` }]);
  return n;
}

/** A comment from the form: trimmed, control characters removed, at most MAX_COMMENT_CHARS; empty is none. */
export function commentOf(raw: string): string | undefined {
  const text = raw
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
  if ([...text].length > MAX_COMMENT_CHARS) throw new ClientError(400, 'comment_too_long', `The comment is longer than ${MAX_COMMENT_CHARS} characters.`, [{ path: 'comment', message: `at most ${MAX_COMMENT_CHARS} characters` }]);
  return text || undefined;
}

export interface PageRating {
  readonly ticket: Ticket;
  readonly rating: SurveyRating;
  /** False when the same answer was already recorded (nothing written). */
  readonly changed: boolean;
}

/**
 * Record a score (and a comment) from the survey page as the ticket's rating. The same score (with no
 * new comment) changes nothing; another score, or a comment, replaces the rating like a second
 * typed rating does (`replaces` names the earlier score). A comment without a score keeps the
 * current score (`score` undefined): a 400 when there is none yet.
 */
export async function rateFromPage(deps: CoreDeps, ticketId: string, kind: SurveyTokenClaims['kind'], score: number | undefined, comment?: string): Promise<PageRating> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket || ticket.erasedAt) throw gone();
    const previous = ticket.survey;
    const chosen = score ?? (previous?.kind === kind ? previous.score : undefined);
    if (chosen === undefined) throw new ClientError(400, 'invalid_score', 'Choose a score first.', [{ path: 'score', message: 'required' }]);
    const keepComment = comment === undefined && previous?.score === chosen ? previous.comment : comment;
    if (previous && previous.kind === kind && previous.score === chosen && previous.comment === keepComment) return { ticket, rating: previous, changed: false };
    const now = deps.clock.now();
    const at = now.toISOString();
    const rating: SurveyRating = { kind, score: chosen, ...(keepComment ? { comment: keepComment } : {}), at, channel: 'web' };
    const recorded = recordEvents(
      { ...ticket, survey: rating },
      [{ type: 'survey.rated', at, actor: 'customer', kind, score: chosen, ...(keepComment ? { comment: keepComment } : {}), channel: 'web', ...(previous ? { replaces: previous.score } : {}) }],
      { resolve: resolverOf(deps.settings.sla), newId: () => deps.ids.newId(), now, followUps: deps.settings.followUps },
    );
    const shard = shardOf(ticket.id);
    const stats: StatsWrite[] = ratingCounters(previous, rating).map((c) => ({ pk: surveyStatsPartition(ticket.channel), sk: `${c.day}#${shard}`, add: c.add }));
    try {
      await deps.store.updateTicket(recorded.ticket, ticket.version, { ...recorded.change, stats: [...recorded.change.stats, ...stats] });
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    // The metrics count a ticket's first rating only; the report reflects the latest.
    const metrics: MetricEvent[] = [...recorded.metrics];
    if (!previous) metrics.push(value(METRIC.SurveyScore, { Channel: ticket.channel, Kind: kind }, chosen), count(METRIC.SurveyResponses, { Channel: ticket.channel, Kind: kind }));
    deps.metrics.emit(metrics);
    await deps.jobs.enqueue(recorded.jobs);
    deps.log.info('survey rated on the page', { ticketId, kind, score: chosen, replaced: previous?.score ?? null });
    return { ticket: recorded.ticket, rating, changed: true };
  }
}

/**
 * One-click unsubscribe: the ticket's customer address opts out of automated messages on the
 * ticket's channel, with a `contact.opted_out` event. Already opted out: nothing is written.
 */
export async function unsubscribeFromLink(deps: CoreDeps, ticketId: string): Promise<{ changed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket || ticket.erasedAt) throw gone();
    if (await deps.store.isOptedOut(ticket.channel, ticket.customerAddress)) return { changed: false };
    const now = deps.clock.now();
    const at = now.toISOString();
    const recorded = recordEvents(ticket, [{ type: 'contact.opted_out', at, actor: 'customer', channel: ticket.channel, address: ticket.customerAddress }], {
      resolve: resolverOf(deps.settings.sla),
      newId: () => deps.ids.newId(),
      now,
      followUps: deps.settings.followUps,
    });
    try {
      await deps.store.setOptOut({ channel: ticket.channel, address: ticket.customerAddress, optedOut: true, at }, { ticket: recorded.ticket, expectedVersion: ticket.version, change: recorded.change });
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit([...recorded.metrics, count(METRIC.OptOuts, { Channel: ticket.channel })]);
    deps.log.info('opted out through the unsubscribe link', { ticketId, channel: ticket.channel });
    return { changed: true };
  }
}
