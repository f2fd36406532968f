/**
 * Follow-up timers in the worker (issue 12): pending reminders, auto-resolve, surveys, auto-close.
 * A timer that no longer applies does nothing; one not yet due waits again (SQS delays stop at 15
 * minutes); a survey or reminder held by quiet hours waits until the calendar opens. Redelivered
 * or concurrent timers are harmless: the ticket remembers what was sent, and status changes are
 * version-guarded.
 */
import { planPatch } from '../agent-actions.ts';
import { planTimer, type TimerAction } from '../follow-ups/plan.ts';
import { reminderEmail, surveyEmail } from '../follow-ups/survey-links.ts';
import type { FollowUpJob } from '../follow-ups/timers.ts';
import { delayUntil } from '../sla.ts';
import { METRIC, count } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import { dimsOf } from '../tickets.ts';
import type { Ticket } from '../types.ts';
import { requeue, sendAutomated, type AutomatedContent } from './automation.ts';
import { lostRace } from './retry.ts';
import { actionContext } from './tickets.ts';

export async function runFollowUp(deps: CoreDeps, job: FollowUpJob): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(job.ticketId);
    const action = planTimer(ticket, job, deps.settings.followUps, deps.clock.now());
    switch (action.kind) {
      case 'stale':
        return;
      case 'wait':
        await requeue(deps, job, action.delaySeconds);
        return;
      case 'status': {
        const plan = planPatch(ticket!, { status: action.to }, 'automation', actionContext(deps));
        try {
          await deps.store.updateTicket(plan.ticket, ticket!.version, plan.change);
        } catch (e) {
          if (await lostRace(e, attempt)) continue;
          throw e;
        }
        deps.metrics.emit([...plan.metrics, count(action.to === 'resolved' ? METRIC.TicketsAutoResolved : METRIC.TicketsAutoClosed, dimsOf(ticket!))]);
        await deps.jobs.enqueue(plan.jobs);
        deps.log.info(action.to === 'resolved' ? 'ticket resolved by automation (pending too long)' : 'ticket closed by automation', { ticketId: job.ticketId });
        return;
      }
      case 'message': {
        const r = await sendAutomated(
          deps,
          job.ticketId,
          action.purpose,
          (t, m) => followUpContent(deps, t, action, m),
          (t) => (action.purpose === 'survey' ? t.surveyRequest?.messageId : t.reminderSentFor === job.since ? t.reminderMessageId : undefined),
        );
        if (r?.kind === 'deferred') {
          await requeue(deps, { ...job, dueAt: r.until }, delayUntil(deps.clock.now(), r.until));
          return;
        }
        if (r?.kind === 'done' && r.outcome === 'sent') deps.metrics.emit([count(METRIC.FollowUpsSent, { Channel: r.ticket.channel, Purpose: action.purpose })]);
        return;
      }
    }
  }
}

/**
 * The survey's or reminder's words. By email they carry signed links: one per score to the survey
 * page, and a one-click unsubscribe (List-Unsubscribe, RFC 8058); elsewhere the plain text.
 */
function followUpContent(deps: CoreDeps, ticket: Ticket, action: Extract<TimerAction, { kind: 'message' }>, m: { id: string; now: Date }): AutomatedContent {
  const { surveyKey, publicBaseUrl } = deps.settings;
  if (ticket.channel !== 'email' || !surveyKey || !publicBaseUrl) return action.text;
  const keys = { key: surveyKey, baseUrl: publicBaseUrl };
  const { survey } = deps.settings.followUps;
  return action.purpose === 'survey'
    ? surveyEmail(keys, { ticket, messageId: m.id, now: m.now, kind: survey.kind, question: action.text, replyWindowSeconds: survey.replyWindowSeconds })
    : reminderEmail(keys, { ticket, messageId: m.id, now: m.now, kind: survey.kind, text: action.text });
}
