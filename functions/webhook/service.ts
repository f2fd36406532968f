/**
 * The webhook flow, independent of Lambda: pick the provider, verify and normalize, ingest each
 * message; if the store fails after verification, park the verified message for the worker and
 * still answer success. Nothing verified is dropped.
 */
import { CHANNEL_MODULES } from '../channels/registry.ts';
import { ProviderNotConfigured, type ChannelModule } from '../channels/types.ts';
import type { Config } from '../config.ts';
import { ClientError } from '../core/errors.ts';
import { METRIC, count } from '../core/metrics.ts';
import type { CoreDeps } from '../core/ports.ts';
import { applyEvent, jobOf } from '../core/services/events.ts';
import { clientErrorResponse, errorBody, json, type HttpRequest, type HttpResponse } from '../http.ts';
import { MAX_BODY_BYTES } from '../spec.ts';

export async function handleWebhook(
  deps: CoreDeps,
  config: Config,
  req: HttpRequest,
  modules: Readonly<Record<string, ChannelModule>> = CHANNEL_MODULES,
): Promise<HttpResponse> {
  const provider = /^\/webhooks\/([a-z0-9-]+)\/?$/.exec(req.path)?.[1] ?? '';
  const module = modules[provider];
  if (!module) return json(404, errorBody('unknown_provider', `No webhook for provider "${provider}".`));

  let received;
  try {
    if (req.body.length > MAX_BODY_BYTES) {
      throw new ClientError(413, 'payload_too_large', `The body is over ${MAX_BODY_BYTES} bytes.`);
    }
    received = module.receive(req, { config, now: deps.clock.now() });
  } catch (e) {
    if (e instanceof ClientError) {
      deps.metrics.emit([count(METRIC.WebhookRejected, { Provider: provider, Reason: e.code })]);
      deps.log.warn('webhook rejected', { provider, reason: e.code, status: e.status, requestId: req.requestId });
      return clientErrorResponse(e);
    }
    if (e instanceof ProviderNotConfigured) {
      deps.log.error('provider not configured', { provider, error: e.message });
      return json(503, errorBody('provider_not_configured', `The ${provider} webhook is not configured on this deployment.`));
    }
    throw e;
  }
  if (received.kind === 'response') return received.response;

  // Each item on its own: one that fails to apply is parked, the others still land.
  for (const event of received.events) {
    if (event.kind === 'skipped') {
      deps.metrics.emit([count(METRIC.ItemsSkipped, { Provider: provider, Reason: event.reason })]);
      deps.log.info('webhook item skipped', { provider, reason: event.reason, detail: event.detail, requestId: req.requestId });
      continue;
    }
    try {
      await applyEvent(deps, event);
    } catch (storeError) {
      // Verified but not stored: park it. If parking fails too, answer 5xx so the provider retries.
      deps.log.error('ingest failed; parking the verified message', {
        provider,
        kind: event.kind,
        providerMessageId: event.kind === 'message' ? event.message.providerMessageId : event.kind === 'status' ? event.update.providerMessageId : event.edit.providerMessageId,
        error: String(storeError),
      });
      await deps.parking.park(jobOf(event));
      deps.metrics.emit([count(METRIC.IngestParked, { Provider: provider, Kind: event.kind })]);
    }
  }
  return received.ok;
}
