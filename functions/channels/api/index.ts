/**
 * POST /webhooks/api/{source}: a custom source posts customer messages, signed with Standard
 * Webhooks under its own secret from API_CHANNEL_SECRETS. Replies reach the source as outbound
 * webhook events (`reply.*`) through its subscription.
 */
import type { HttpRequest } from '../../http.ts';
import { API_SOURCE, parseApiChannelSecrets } from '../../core/api-channel.ts';
import { ClientError } from '../../core/errors.ts';
import { verify } from '../../core/events-out/standard-webhooks.ts';
import { forbidden, okJson, parseJsonBody, requireMediaType } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelModule, type ReceiveResult, type SyncContext } from '../types.ts';
import { normalizeApi } from './normalize.ts';

const MESSAGES: Record<string, string> = {
  missing_headers: 'The webhook-id, webhook-timestamp and webhook-signature headers are required.',
  bad_id: 'webhook-id must be 1-128 characters of A-Z, a-z, 0-9, _, - and :.',
  bad_timestamp: 'webhook-timestamp must be epoch seconds.',
  stale_timestamp: 'webhook-timestamp is more than 5 minutes from now.',
  bad_signature: "webhook-signature does not match the source's secret.",
};

export const api = {
  provider: 'api',
  receive(req: HttpRequest, ctx: SyncContext): ReceiveResult {
    const source = /^\/webhooks\/api\/([^/]*)\/?$/.exec(req.path)?.[1] ?? '';
    if (!API_SOURCE.test(source)) throw new ClientError(404, 'unknown_source', 'The path must be /webhooks/api/{source}, source being 1-64 of a-z, 0-9, _ and -.');
    const raw = ctx.config.secrets.API_CHANNEL_SECRETS;
    if (!raw) throw new ProviderNotConfigured('api', 'API_CHANNEL_SECRETS is not set');
    const secrets = parseApiChannelSecrets(raw)?.get(source);
    if (!secrets) throw new ClientError(404, 'unknown_source', `No API-channel source "${source}" is configured.`);
    const result = verify(secrets, req.headers, req.body, Math.floor(ctx.now.getTime() / 1000));
    if (!result.ok) throw forbidden(result.reason === 'missing_headers' ? 'missing_signature' : result.reason, MESSAGES[result.reason] ?? 'The signature is not valid.');
    requireMediaType(req, ['application/json'], 'The API channel');
    const events = normalizeApi(source, result.id, parseJsonBody(req), ctx.now.toISOString(), new Date(result.timestamp * 1000).toISOString());
    return { kind: 'events', events, ok: okJson() };
  },
} satisfies ChannelModule;
