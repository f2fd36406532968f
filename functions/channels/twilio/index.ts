/** POST /webhooks/twilio: verify X-Twilio-Signature, parse, normalize, answer empty TwiML. */
import type { HttpRequest } from '../../http.ts';
import type { ChannelModule, SyncContext, ReceiveResult } from '../types.ts';
import { verifiedTwilioForm } from './form.ts';
import { normalizeTwilio } from './normalize.ts';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';


export const twilio = {
  provider: 'twilio',
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const fields = verifiedTwilioForm(req, ctx);
    const message = normalizeTwilio(fields, ctx.now.toISOString());
    return {
      kind: 'events',
      events: [{ kind: 'message', message }],
      ok: { statusCode: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: EMPTY_TWIML },
    };
  },
} satisfies ChannelModule;
