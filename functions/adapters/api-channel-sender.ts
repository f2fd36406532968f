/**
 * Replies on API-channel tickets. Nothing is called here: the reply reaches the source as an
 * outbound-webhook event (`reply.queued`, then `reply.sent`) through the source's subscription, so
 * "sending" records the reply `sent` under our own message id. A source no longer configured in
 * API_CHANNEL_SECRETS gets nothing: the reply is recorded `not_sent`.
 */
import { parseApiChannelSecrets } from '../core/api-channel.ts';
import type { SendResult, Sender } from '../core/ports.ts';
import type { Message, Ticket } from '../core/types.ts';

export class ApiChannelSender implements Sender {
  readonly #sources: ReadonlySet<string>;
  constructor(secretsJson: string | undefined) {
    this.#sources = new Set(secretsJson ? (parseApiChannelSecrets(secretsJson)?.keys() ?? []) : []);
  }
  async send(ticket: Ticket, m: Message): Promise<SendResult> {
    const source = ticket.provider.startsWith('api:') ? ticket.provider.slice(4) : '';
    if (!this.#sources.has(source)) return { status: 'not_sent', reason: `API-channel source "${source}" is not configured in API_CHANNEL_SECRETS` };
    return { status: 'sent', providerMessageId: m.id };
  }
}
