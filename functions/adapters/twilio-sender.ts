/** Sends SMS/WhatsApp replies through Twilio's Messages REST API (base URL configurable for tests). */
import { PermanentSendError, type SendResult, type Sender } from '../core/ports.ts';
import type { Message, Ticket } from '../core/types.ts';

export interface TwilioSenderConfig {
  readonly accountSid?: string | undefined;
  readonly authToken?: string | undefined;
  readonly apiBaseUrl: string;
  readonly timeoutMs?: number;
}

export class TwilioSender implements Sender {
  readonly #cfg: TwilioSenderConfig;
  readonly #fetch: typeof fetch;
  constructor(cfg: TwilioSenderConfig, fetchImpl: typeof fetch = fetch) {
    this.#cfg = cfg;
    this.#fetch = fetchImpl;
  }

  async send(_ticket: Ticket, message: Message): Promise<SendResult> {
    const sid = this.#cfg.accountSid;
    if (!this.#cfg.authToken || !sid) {
      return { status: 'not_sent', reason: 'Twilio credentials are not configured (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)' };
    }
    const url = `${this.#cfg.apiBaseUrl}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`;
    const body = new URLSearchParams({ To: message.to, From: message.from, Body: message.text });
    const res = await this.#fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sid}:${this.#cfg.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
      signal: AbortSignal.timeout(this.#cfg.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) {
      const sidOut = safeJson(text)?.['sid'];
      if (typeof sidOut !== 'string') throw new Error('Twilio answered without a message sid');
      return { status: 'sent', providerMessageId: sidOut };
    }
    const detail = safeJson(text);
    const reason = `Twilio ${res.status}${detail?.['code'] ? ` code ${String(detail['code'])}` : ''}: ${String(detail?.['message'] ?? '').slice(0, 200)}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) throw new PermanentSendError(reason);
    throw new Error(reason);
  }
}

const safeJson = (s: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};
