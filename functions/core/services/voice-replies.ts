/**
 * Agent replies on a voice ticket (issue 16): with VOICE_REPLY_BY_SMS on they go out as an SMS from
 * the called number (the ticket's provider's SMS sender; see replyToTicket). Off, the reply is
 * refused with 409 `voice_reply_unsupported` and a callback task is recorded instead: the ticket is
 * tagged `callback` (list with `?tag=callback`) with a `callback.requested` event, once until an
 * agent removes the tag. A caller with no phone number (`anonymous`, `Restricted`, `client:…`, SIP)
 * can neither be texted nor called back: 409 `no_sms_address`, nothing written. replyToTicket
 * runs these after the usual closed/erased refusals, so those tickets never get a callback task.
 */
import { ClientError } from '../errors.ts';
import { phoneIdentity } from '../phone.ts';
import type { CoreDeps } from '../ports.ts';
import { resolverOf } from '../sla-settings.ts';
import type { Actor } from '../ticket-events.ts';
import { recordEvents } from '../timeline.ts';
import type { Ticket } from '../types.ts';
import { lostRace } from './retry.ts';

export const CALLBACK_TAG = 'callback';

/** A reply on a voice ticket: allowed (returns), or the 409 that says why not (recording the callback task when that helps). */
export async function checkVoiceReply(deps: CoreDeps, ticket: Ticket, actor: Actor): Promise<void> {
  if (ticket.channel !== 'voice') return;
  if (phoneIdentity(ticket.customerAddress).kind !== 'phone') {
    throw new ClientError(409, 'no_sms_address', 'The caller withheld their number (or called from an app or SIP address): there is no phone number to text or call back.', {
      channel: 'voice',
      customerAddress: ticket.customerAddress,
    });
  }
  if (voiceReplyRefused(deps, ticket)) await refuseVoiceReply(deps, ticket.id, actor);
}

/** Replies on this ticket are refused (a voice ticket, replies by SMS off). */
export const voiceReplyRefused = (deps: CoreDeps, ticket: Ticket): boolean => ticket.channel === 'voice' && !(deps.voice?.settings.replyBySms ?? false);

/** Record the callback task (once), then throw the 409 that tells the agent to call back. */
export async function refuseVoiceReply(deps: CoreDeps, ticketId: string, actor: Actor): Promise<never> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket || ticket.tags.includes(CALLBACK_TAG) || ticket.status === 'closed' || ticket.erasedAt) break;
    const now = deps.clock.now();
    const at = now.toISOString();
    const tags = [...ticket.tags, CALLBACK_TAG];
    const recorded = recordEvents(
      { ...ticket, tags },
      [
        { type: 'tags.changed', at, actor, from: ticket.tags, to: tags },
        { type: 'callback.requested', at, actor, number: ticket.customerAddress },
      ],
      { resolve: resolverOf(deps.settings.sla), newId: () => deps.ids.newId(), now },
    );
    try {
      await deps.store.updateTicket(recorded.ticket, ticket.version, recorded.change);
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
    deps.metrics.emit(recorded.metrics);
    deps.log.info('callback requested', { ticketId, actor });
    break;
  }
  throw new ClientError(
    409,
    'voice_reply_unsupported',
    'This ticket is a phone call and replies by SMS are off (VOICE_REPLY_BY_SMS): call the customer back. A callback task was recorded (tag "callback").',
    { channel: 'voice', callback: { tag: CALLBACK_TAG } },
  );
}
