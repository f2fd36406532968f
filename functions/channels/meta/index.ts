/**
 * GET /webhooks/meta: the subscription handshake (echo hub.challenge when hub.verify_token matches).
 * POST /webhooks/meta: X-Hub-Signature-256 over the raw bytes, then WhatsApp, Messenger and
 * Instagram batches, item by item.
 */
import { ClientError } from '../../core/errors.ts';
import type { HttpRequest } from '../../http.ts';
import { safeEqual } from '../shared/crypto.ts';
import { forbidden, ok, okJson, parseJsonBody, requireMediaType, zodDetails } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelModule, type SyncContext, type ReceiveResult } from '../types.ts';
import { normalizeMeta } from './normalize.ts';
import { EnvelopeSchema } from './schema.ts';
import { verifyMetaSignature } from './verify.ts';

function handshake(req: HttpRequest, ctx: SyncContext): ReceiveResult {
  const token = ctx.config.secrets.META_VERIFY_TOKEN;
  if (!token) throw new ProviderNotConfigured('meta', 'META_VERIFY_TOKEN is not set');
  const mode = req.query.get('hub.mode');
  const challenge = req.query.get('hub.challenge');
  const presented = req.query.get('hub.verify_token') ?? '';
  if (mode !== 'subscribe' || challenge === null) {
    throw new ClientError(400, 'invalid_handshake', 'Expected hub.mode=subscribe with hub.challenge and hub.verify_token.');
  }
  if (!safeEqual(presented, token)) throw forbidden('bad_verify_token', 'hub.verify_token does not match META_VERIFY_TOKEN.');
  return { kind: 'response', response: ok(challenge) };
}

export const meta = {
  provider: 'meta',
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    if (req.method === 'GET') return handshake(req, ctx);
    const secret = ctx.config.secrets.META_APP_SECRET;
    if (!secret) throw new ProviderNotConfigured('meta', 'META_APP_SECRET is not set');
    requireMediaType(req, ['application/json'], 'Meta');
    const verdict = verifyMetaSignature(secret, req.headers['x-hub-signature-256'], req.body);
    if (!verdict.ok) {
      throw forbidden(
        verdict.reason,
        verdict.reason === 'missing_signature' ? 'The X-Hub-Signature-256 header is missing.' : 'X-Hub-Signature-256 does not match the body. Check META_APP_SECRET.',
      );
    }
    const envelope = EnvelopeSchema.safeParse(parseJsonBody(req));
    if (!envelope.success) {
      throw new ClientError(400, 'invalid_payload', 'The Meta webhook body has no object/entry.', zodDetails(envelope.error.issues));
    }
    return {
      kind: 'events',
      events: normalizeMeta(envelope.data.object, envelope.data.entry, ctx.now.toISOString()),
      ok: okJson(),
    };
  },
} satisfies ChannelModule;
