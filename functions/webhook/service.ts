/**
 * The webhook flow, independent of Lambda: pick the provider, verify and normalize, ingest each
 * message; if the store fails after verification, park the verified message for the worker and
 * still answer success. Nothing verified is dropped.
 */
import { CHANNEL_MODULES } from '../channels/registry.ts';
import { ProviderNotConfigured, type ChannelIO, type ChannelModule } from '../channels/types.ts';
import type { Config } from '../config.ts';
import { ClientError } from '../core/errors.ts';
import { METRIC, count } from '../core/metrics.ts';
import type { CoreDeps } from '../core/ports.ts';
import { applyEvent, jobOf } from '../core/services/events.ts';
import { clientErrorResponse, errorBody, json, type HttpRequest, type HttpResponse } from '../http.ts';
import { createHash } from 'node:crypto';
import { ATTACHMENTS, INLINE_BODY_LIMIT_BYTES, MAX_WEBHOOK_BYTES } from '../spec.ts';
import { dedupeKeyOf } from '../core/tickets.ts';
import type { InboundMessage } from '../core/types.ts';

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
    if (req.body.length > MAX_WEBHOOK_BYTES) {
      throw new ClientError(413, 'payload_too_large', `The body is ${req.body.length} bytes; the limit is ${MAX_WEBHOOK_BYTES}.`);
    }
    const io: ChannelIO = {
      fetchText: (url) => deps.http.getText(url),
      getObject: (bucket, key) => deps.attachments.getObject(bucket, key),
      claimNonce: (scope, value, ttl, binding) => deps.store.claimNonce(scope, value, ttl, binding),
    };
    received = await module.receive(req, { config, now: deps.clock.now(), io });
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
    // Attachment bytes go to the bucket first, under keys derived from the message: a retry overwrites.
    // If that fails the whole request fails (5xx) and the provider retries; nothing half-stored.
    const ready = event.kind === 'message' ? { kind: 'message' as const, message: await storeBlobs(deps, event.message, event.contents ?? []) } : event;
    try {
      await applyEvent(deps, ready);
    } catch (storeError) {
      // Verified but not stored: park it. If parking fails too, answer 5xx so the provider retries.
      deps.log.error('ingest failed; parking the verified message', {
        provider,
        kind: ready.kind,
        providerMessageId: ready.kind === 'message' ? ready.message.providerMessageId : ready.kind === 'status' ? ready.update.providerMessageId : ready.edit.providerMessageId,
        error: String(storeError),
      });
      await deps.parking.park(jobOf(ready));
      deps.metrics.emit([count(METRIC.IngestParked, { Provider: provider, Kind: ready.kind })]);
    }
  }
  return received.ok;
}

const safeFileName = (name: string | undefined, i: number): string =>
  (name ?? `attachment-${i + 1}`).replace(/[^A-Za-z0-9._-]+/g, '_').slice(-100) || `attachment-${i + 1}`;

const truncate = (s: string, bytes: number): string => {
  const buf = Buffer.from(s, 'utf8');
  return buf.length <= bytes ? s : `${buf.subarray(0, bytes).toString('utf8').replace(/\uFFFD$/, '')}…`;
};

/**
 * Put what does not belong in a table item into the bucket, under keys derived from the message
 * (a retry overwrites, never duplicates): attachment bytes, and bodies over the inline limit.
 */
async function storeBlobs(deps: CoreDeps, msg: InboundMessage, contents: readonly Uint8Array[]): Promise<InboundMessage> {
  const folder = `${ATTACHMENTS.prefix}${createHash('sha256').update(dedupeKeyOf(msg)).digest('hex').slice(0, 32)}`;
  const attachments = await Promise.all(
    msg.attachments.map(async (a, i) => {
      const body = contents[i];
      if (!body) return a;
      const key = `${folder}/${i + 1}-${safeFileName(a.name, i)}`;
      await deps.attachments.put(key, body, a.contentType);
      return { ...a, key, size: body.byteLength };
    }),
  );
  let out: InboundMessage = { ...msg, attachments };
  if (Buffer.byteLength(msg.text, 'utf8') > INLINE_BODY_LIMIT_BYTES) {
    const key = `${folder}/body.txt`;
    await deps.attachments.put(key, Buffer.from(msg.text, 'utf8'), 'text/plain; charset=utf-8');
    out = { ...out, text: truncate(msg.text, INLINE_BODY_LIMIT_BYTES), fullTextKey: key };
  }
  const html = msg.email?.html;
  if (msg.email && html !== undefined && Buffer.byteLength(html, 'utf8') > INLINE_BODY_LIMIT_BYTES / 2) {
    const key = `${folder}/body.html`;
    await deps.attachments.put(key, Buffer.from(html, 'utf8'), 'text/html; charset=utf-8');
    const { html: _html, ...email } = msg.email;
    out = { ...out, email: { ...email, htmlKey: key } };
  }
  return out;
}
