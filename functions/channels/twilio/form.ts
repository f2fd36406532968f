/**
 * Every Twilio webhook (messaging and voice) arrives the same way: a form signed with
 * X-Twilio-Signature over PUBLIC_BASE_URL + path. Verify it before anything is parsed.
 */
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest } from '../../http.ts';
import { signedUrl } from '../shared/http.ts';
import { ProviderNotConfigured, type SyncContext } from '../types.ts';
import { verifyTwilioRequest, type FormParams } from './verify.ts';

/** The request's form fields once the signature checks out; 415 for another body, 403 for a bad signature. */
export function verifiedTwilioForm(req: HttpRequest, ctx: SyncContext): FormParams {
  const token = ctx.config.secrets.TWILIO_AUTH_TOKEN;
  if (!token) throw new ProviderNotConfigured('twilio', 'TWILIO_AUTH_TOKEN is not set');
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new ClientError(415, 'unsupported_media_type', 'Twilio webhooks must be application/x-www-form-urlencoded.');
  }
  const rawBody = req.body.toString('utf8');
  const fields = [...new URLSearchParams(rawBody)];
  const verdict = verifyTwilioRequest({ authToken: token, signature: req.headers['x-twilio-signature'], url: signedUrl(ctx.config.publicBaseUrl, req), params: fields, rawBody });
  if (!verdict.ok) {
    throw new ClientError(
      403,
      verdict.reason,
      verdict.reason === 'missing_signature'
        ? 'The X-Twilio-Signature header is missing.'
        : 'The X-Twilio-Signature does not match this request. Check TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL.',
    );
  }
  return fields;
}
