/**
 * Rating intake (issue 12): is an inbound message the customer's answer to the survey on its
 * thread's ticket? Within SURVEY_REPLY_WINDOW_SECONDS of the survey, a score (a bare number in
 * range, one of our buttons, a score with a short comment) is a rating; anything else is an
 * ordinary message. Pure.
 */
import type { InboundMessage, SurveyRating, Ticket } from '../types.ts';
import type { FollowUpSettings } from './settings.ts';
import { SCALES, parseScore } from './surveys.ts';

/** Our survey buttons carry `survey:<score>` (WhatsApp reply ids, Messenger quick-reply payloads, Telegram callback data). */
export const SURVEY_PAYLOAD = /^survey:(\d{1,2})$/;
export const surveyPayload = (score: number): string => `survey:${score}`;

export function ratingOf(ticket: Ticket | undefined, msg: InboundMessage, s: FollowUpSettings, messageId: string): SurveyRating | undefined {
  const req = ticket?.surveyRequest;
  if (!ticket || !req || msg.email?.autoSubmitted !== undefined) return undefined;
  // Only an answer to the survey of the ticket as it stands: resolved (or closed since), and not
  // reopened and resolved again after the survey went out. On an open or pending ticket a number is
  // an answer to an agent ("Reply 1, 2 or 3"), never a rating.
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return undefined;
  if (ticket.resolvedAt && Date.parse(req.at) < Date.parse(ticket.resolvedAt)) return undefined;
  const sentAt = Date.parse(req.at);
  const at = Date.parse(msg.receivedAt);
  if (!(at >= sentAt && at - sentAt <= s.survey.replyWindowSeconds * 1000)) return undefined;
  const base = { kind: req.kind, at: msg.receivedAt, channel: msg.channel, messageId } as const;
  const button = msg.buttonPayload ? SURVEY_PAYLOAD.exec(msg.buttonPayload) : null;
  if (button) {
    const score = Number(button[1]);
    const { min, max } = SCALES[req.kind];
    return score >= min && score <= max ? { ...base, score } : undefined;
  }
  if (msg.signal) return undefined;
  const parsed = parseScore(msg.text, req.kind);
  return parsed ? { ...base, score: parsed.score, ...(parsed.comment ? { comment: parsed.comment } : {}) } : undefined;
}

/** Report counters a rating changes: +1 on its score, and −1 on the rating it replaces. */
export function ratingCounters(previous: SurveyRating | undefined, next: SurveyRating): Array<{ day: string; add: Record<string, number> }> {
  const out = [{ day: next.at.slice(0, 10), add: { [`${next.kind}#${next.score}`]: 1 } as Record<string, number> }];
  if (previous) out.push({ day: previous.at.slice(0, 10), add: { [`${previous.kind}#${previous.score}`]: -1 } });
  return out;
}

/** The report partition of a ticket's ratings (per ticket channel; days and shards in the sort key). */
export const surveyStatsPartition = (channel: string): string => `STATS#survey#${channel}`;
