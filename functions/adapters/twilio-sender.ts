/** Sends SMS/WhatsApp replies through Twilio's Messages REST API (base URL configurable for tests). */
import type { SendResult, Sender } from '../core/ports.ts';
import type { Message, Ticket } from '../core/types.ts';
import { pick, postForJson } from './http-send.ts';

export interface TwilioSenderConfig {
  readonly accountSid?: string | undefined;
  readonly authToken?: string | undefined;
  readonly apiBaseUrl: string;
}

export class TwilioSender implements Sender {
  readonly #cfg: TwilioSenderConfig;
  readonly #fetch: typeof fetch;
  constructor(cfg: TwilioSenderConfig, fetchImpl: typeof fetch = fetch) {
    this.#cfg = cfg;
    this.#fetch = fetchImpl;
  }

  async send(_ticket: Ticket, message: Message): Promise<SendResult> {
    const { accountSid: sid, authToken } = this.#cfg;
    if (!authToken || !sid) {
      return { status: 'not_sent', reason: 'Twilio credentials are not configured (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)' };
    }
    if (message.template) {
      return { status: 'not_sent', reason: 'outside_window: WhatsApp templates are sent through the Meta Cloud API; Twilio needs a Content SID, which is not supported' };
    }
    const json = await postForJson(this.#fetch, {
      provider: 'Twilio',
      url: `${this.#cfg.apiBaseUrl}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`,
      headers: {
        authorization: `Basic ${Buffer.from(`${sid}:${authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: message.to, From: message.from, Body: message.text }).toString(),
    });
    const id = pick(json, ['sid']);
    if (!id) throw new Error('Twilio answered without a message sid');
    return { status: 'sent', providerMessageId: id };
  }
}
