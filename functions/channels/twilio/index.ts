/** POST /webhooks/twilio: verify X-Twilio-Signature, parse, normalize, answer empty TwiML. */
import { ClientError } from '../../core/errors.ts';
import { signedUrl } from '../shared/http.ts';
import type { HttpRequest } from '../../http.ts';
import { ProviderNotConfigured, type ChannelModule, type SyncContext, type ReceiveResult } from '../types.ts';
import { normalizeTwilio } from './normalize.ts';
import { verifyTwilioRequest } from './verify.ts';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';


export const twilio = {
  provider: 'twilio',
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const token = ctx.config.secrets.TWILIO_AUTH_TOKEN;
    if (!token) throw new ProviderNotConfigured('twilio', 'TWILIO_AUTH_TOKEN is not set');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      throw new ClientError(415, 'unsupported_media_type', 'Twilio webhooks must be application/x-www-form-urlencoded.');
    }
    const rawBody = req.body.toString('utf8');
    const fields = [...new URLSearchParams(rawBody)];
    const verdict = verifyTwilioRequest({
      authToken: token,
      signature: req.headers['x-twilio-signature'],
      url: signedUrl(ctx.config.publicBaseUrl, req),
      params: fields,
      rawBody,
    });
    if (!verdict.ok) {
      throw new ClientError(
        403,
        verdict.reason,
        verdict.reason === 'missing_signature'
          ? 'The X-Twilio-Signature header is missing.'
          : 'The X-Twilio-Signature does not match this request. Check TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL.',
      );
    }
    const message = normalizeTwilio(fields, ctx.now.toISOString());
    return {
      kind: 'events',
      events: [{ kind: 'message', message }],
      ok: { statusCode: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: EMPTY_TWIML },
    };
  },
} satisfies ChannelModule;
