/**
 * The webhook flow, independent of Lambda: pick the provider, verify and normalize, apply each
 * item; whatever cannot be applied (store down, or the time budget runs low) is parked for the
 * worker before answering success. Nothing verified is dropped; 2xx only once everything is durable.
 */
import { CHANNEL_MODULES, SUB_ROUTE_MODULES, channelModule, type ChannelLoader } from '../channels/registry.ts';
import { ProviderNotConfigured, type ChannelIO, type ChannelModule } from '../channels/types.ts';
import type { Config } from '../config.ts';
import { ClientError } from '../core/errors.ts';
import { METRIC, count } from '../core/metrics.ts';
import { PermanentError, type CoreDeps } from '../core/ports.ts';
import { applyEvent, jobOf, type ActionableEvent } from '../core/services/events.ts';
import type { ChannelEvent } from '../core/types.ts';
import { clientErrorResponse, errorBody, json, type HttpRequest, type HttpResponse } from '../http.ts';
import { MAX_WEBHOOK_BYTES, WEBHOOK_DEADLINE_RESERVE_MS, WEBHOOK_ITEM_CONCURRENCY, WEBHOOK_TIMEOUT_SECONDS } from '../spec.ts';
import { storeBlobs } from './blobs.ts';

export interface WebhookOptions {
  readonly modules?: Readonly<Record<string, ChannelModule | ChannelLoader>>;
  /** Modules of sub-path routes (`twilio/voice/status`), by the path after `/webhooks/`. */
  readonly subRoutes?: Readonly<Record<string, ChannelModule | ChannelLoader>>;
  /** Epoch ms by which the answer must be sent (Lambda: now + remaining time). Items still unapplied
   * WEBHOOK_DEADLINE_RESERVE_MS before it are parked instead. */
  readonly deadline?: number;
}

export async function handleWebhook(deps: CoreDeps, config: Config, req: HttpRequest, opts: WebhookOptions = {}): Promise<HttpResponse> {
  const modules = opts.modules ?? CHANNEL_MODULES;
  const route = /^\/webhooks\/([a-z0-9-]+)(\/[^/]*)?\/?$/.exec(req.path);
  const provider = route?.[1] ?? /^\/webhooks\/([a-z0-9-]+)\//.exec(req.path)?.[1] ?? '';
  // Voice routes are registered under their sub-path (`twilio/voice/status`); otherwise only the API
  // channel has a sub-path (`/webhooks/api/{source}`).
  const subPath = /^\/webhooks\/([a-z0-9-]+(?:\/[a-z0-9-]+)+)\/?$/.exec(req.path)?.[1];
  const subRoutes = opts.subRoutes ?? SUB_ROUTE_MODULES;
  const entry =
    (subPath !== undefined && Object.hasOwn(subRoutes, subPath) ? subRoutes[subPath] : undefined) ??
    ((route?.[2] === undefined || provider === 'api') && Object.hasOwn(modules, provider) ? modules[provider] : undefined);
  if (!entry) return json(404, errorBody('unknown_provider', `No webhook for provider "${provider}".`));
  const module = await channelModule(entry);

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
      return json(503, errorBody('not_configured', `The ${provider} webhook is not configured on this deployment.`));
    }
    throw e;
  }
  if (received.kind === 'response') return received.response;

  const actionable: ActionableEvent[] = [];
  for (const event of received.events) {
    if (event.kind !== 'skipped') {
      actionable.push(event);
      continue;
    }
    deps.metrics.emit([count(METRIC.ItemsSkipped, { Provider: provider, Reason: event.reason })]);
    deps.log.info('webhook item skipped', { provider, reason: event.reason, detail: event.detail, requestId: req.requestId });
  }
  const deadline = opts.deadline ?? Date.now() + WEBHOOK_TIMEOUT_SECONDS * 1000;
  // Attachment bytes and oversized bodies go to the bucket first. If that fails nothing is
  // acknowledged (5xx) and the provider retries with the bytes, which a parked job could not carry.
  const ready = await Promise.all(
    actionable.map(async (e): Promise<ActionableEvent> => (e.kind === 'message' ? { kind: 'message', message: await storeBlobs(deps, e.message, e.contents ?? []) } : e)),
  );
  try {
    await applyWithinBudget(deps, provider, req.requestId, ready, deadline - WEBHOOK_DEADLINE_RESERVE_MS);
  } catch (e) {
    // Neither stored nor parked: nothing is acknowledged, and the provider is asked to retry.
    deps.log.error('store and ingest queue both failed; asking the provider to retry', { provider, requestId: req.requestId, error: e instanceof Error ? e.message : String(e) });
    return json(503, errorBody('temporarily_unavailable', 'The message could not be stored right now; nothing was acknowledged. Retry later.'), { 'retry-after': '30' });
  }
  return received.ok;
}

type Outcome = 'applied' | 'park' | 'dead';

/**
 * Apply the items with bounded concurrency: messages first (one conversation's in order, so two
 * messages of one thread land in sequence), then statuses and edits (which may refer to them). At
 * `cutoff` nothing new starts; what has not finished by then is parked (the worker's re-apply is
 * idempotent, so an item both finishing late and parked lands once). Parking failure throws (5xx).
 */
async function applyWithinBudget(deps: CoreDeps, provider: string, requestId: string, events: readonly ActionableEvent[], cutoff: number): Promise<void> {
  const outcomes = new Map<ActionableEvent, Outcome>();
  const apply = async (event: ActionableEvent): Promise<void> => {
    try {
      await applyEvent(deps, event);
      outcomes.set(event, 'applied');
    } catch (e) {
      outcomes.set(event, e instanceof PermanentError ? 'dead' : 'park');
      deps.log.error(e instanceof PermanentError ? 'item can never be stored as it is' : 'ingest failed; parking the verified message', {
        provider,
        kind: event.kind,
        providerMessageId: idOf(event),
        requestId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
  const lanes = [...groupBy(events.filter((e) => e.kind === 'message'), (e) => (e.kind === 'message' ? e.message.threadKey : '')).values()];
  await runLanes(lanes, apply, cutoff);
  await runLanes(
    events.filter((e) => e.kind !== 'message').map((e) => [e]),
    apply,
    cutoff,
  );

  const toPark = events.filter((e) => outcomes.get(e) !== 'applied' && outcomes.get(e) !== 'dead');
  const dead = events.filter((e) => outcomes.get(e) === 'dead');
  if (toPark.length) {
    await deps.parking.parkAll(toPark.map(jobOf));
    for (const e of toPark) deps.metrics.emit([count(METRIC.IngestParked, { Provider: provider, Kind: e.kind })]);
  }
  for (const e of dead) {
    // Deterministic: retrying cannot help. Keep it, with why, where an operator looks (the DLQ).
    if (await deps.deadLetters.send('ingest', jobOf(e), 'store_rejected_item', `verified ${e.kind} from ${provider} refused by the store`)) {
      deps.metrics.emit([count(METRIC.JobsRejected, { Queue: 'ingest', Reason: 'store_rejected_item' })]);
    } else {
      await deps.parking.parkAll([jobOf(e)]);
    }
  }
}

/**
 * Run lanes with at most WEBHOOK_ITEM_CONCURRENCY at once, each lane's items in order; stop
 * starting new items at `cutoff`, and stop waiting for running ones then too.
 */
async function runLanes<T>(lanes: readonly (readonly T[])[], apply: (item: T) => Promise<void>, cutoff: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < lanes.length && Date.now() < cutoff) {
      const lane = lanes[next++]!;
      for (const item of lane) {
        if (Date.now() >= cutoff) return;
        await apply(item);
      }
    }
  };
  const workers = Array.from({ length: Math.min(WEBHOOK_ITEM_CONCURRENCY, lanes.length) }, worker);
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, cutoff - Date.now()))));
  await Promise.race([Promise.all(workers), budget]);
  clearTimeout(timer);
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  }
  return m;
}

const idOf = (e: Exclude<ChannelEvent, { kind: 'skipped' }>): string =>
  e.kind === 'message' ? e.message.providerMessageId : e.kind === 'status' ? e.update.providerMessageId : e.kind === 'call' ? e.call.callId : e.edit.providerMessageId;
