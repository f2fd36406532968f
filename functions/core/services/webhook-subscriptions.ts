/**
 * Webhook subscriptions (issue 13): create (the secret is shown once), change, rotate the secret
 * (the old one keeps signing for 24 h), delete, list, and the attempts and replay behind them. The
 * target URL is checked (core/events-out/ssrf.ts) here and again at every delivery.
 */
import type { Principal } from '../auth.ts';
import { ClientError } from '../errors.ts';
import type { Channel } from '../types.ts';
import { checkTarget } from '../events-out/ssrf.ts';
import { formatSecret } from '../events-out/standard-webhooks.ts';
import type { WebhookPorts, WebhookSubscription } from '../events-out/types.ts';
import type { WebhookDeps } from './webhooks-out.ts';
import { forgetCachedSubscriptions, replay } from './webhooks-out.ts';

/** Few by design: every stream batch reads them all. */
export const MAX_SUBSCRIPTIONS = 50;
/** A rotated-out secret keeps signing this long. */
export const ROTATION_OVERLAP_SECONDS = 24 * 3600;
/** Replays reach back at most this far (the log is kept longer, but a replay is a recovery tool). */
export const MAX_REPLAY_DAYS = 30;

export interface SubscriptionInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly channels?: readonly Channel[] | null | undefined;
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | undefined;
}

export function portsOf(deps: { readonly webhooks?: WebhookPorts | undefined }): WebhookPorts {
  if (!deps.webhooks) throw new Error('webhooks are not wired in this function (see functions/wiring/api.ts)');
  return deps.webhooks;
}

async function checkUrl(w: WebhookPorts, url: string): Promise<void> {
  const r = await checkTarget(url, w.settings.local, w.resolve);
  if (!r.ok) throw new ClientError(422, 'invalid_url', `The url is not allowed: ${r.reason}.`, [{ path: 'url', message: r.reason }]);
}

/** A channel-restricted key may only subscribe to (a subset of) its channels. */
function checkChannels(p: Principal, channels: readonly Channel[] | null | undefined): void {
  if (!p.channels) return;
  if (!channels || channels.some((c) => !p.channels!.includes(c))) {
    throw new ClientError(403, 'channel_restricted', `This API key sees only ${p.channels.join(', ')}: set channels to a subset of them.`);
  }
}

const notFound = (id: string) => new ClientError(404, 'not_found', `No webhook subscription with id "${id.slice(0, 64)}".`);

export async function getSubscription(w: WebhookPorts, id: string): Promise<WebhookSubscription> {
  const sub = await w.store.getSubscription(id);
  if (!sub) throw notFound(id);
  return sub;
}

export async function createSubscription(deps: WebhookDeps, p: Principal, input: SubscriptionInput): Promise<{ sub: WebhookSubscription; secret: string }> {
  const w = deps.webhooks;
  checkChannels(p, input.channels);
  await checkUrl(w, input.url);
  if ((await w.store.listSubscriptions()).length >= MAX_SUBSCRIPTIONS) {
    throw new ClientError(409, 'too_many_subscriptions', `At most ${MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first.`);
  }
  const now = deps.clock.now().toISOString();
  const secret = formatSecret(w.randomBytes());
  const sub: WebhookSubscription = {
    id: deps.ids.newId(),
    url: input.url,
    events: [...new Set(input.events)],
    ...(input.channels ? { channels: [...new Set(input.channels)] } : {}),
    ...(input.description ? { description: input.description } : {}),
    enabled: input.enabled ?? true,
    secrets: [{ secret, createdAt: now }],
    createdAt: now,
    updatedAt: now,
    createdBy: p.name,
    version: 1,
  };
  if (!(await w.store.putSubscription(sub))) throw new ClientError(409, 'conflict', 'A subscription with this id exists; try again.');
  forgetCachedSubscriptions();
  return { sub, secret };
}

export async function updateSubscription(deps: WebhookDeps, p: Principal, id: string, patch: Partial<SubscriptionInput>, expectedVersion: number | undefined): Promise<WebhookSubscription> {
  const w = deps.webhooks;
  const sub = await getSubscription(w, id);
  if (expectedVersion !== undefined && expectedVersion !== sub.version) {
    throw new ClientError(412, 'version_mismatch', `The subscription is at version ${sub.version}, not ${expectedVersion}.`);
  }
  if (patch.channels !== undefined) checkChannels(p, patch.channels);
  else checkChannels(p, sub.channels);
  if (patch.url !== undefined) await checkUrl(w, patch.url);
  const { channels: _c, description: _d, disabledReason: _r, ...rest } = sub;
  const channels = patch.channels === undefined ? sub.channels : patch.channels;
  const description = patch.description === undefined ? sub.description : patch.description;
  const enabled = patch.enabled ?? sub.enabled;
  const next: WebhookSubscription = {
    ...rest,
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
    ...(channels ? { channels: [...new Set(channels)] } : {}),
    ...(description ? { description } : {}),
    ...(!enabled && sub.disabledReason && patch.enabled === undefined ? { disabledReason: sub.disabledReason } : {}),
    enabled,
    updatedAt: deps.clock.now().toISOString(),
    version: sub.version + 1,
  };
  if (!(await w.store.putSubscription(next, sub.version))) throw new ClientError(409, 'conflict', 'The subscription changed meanwhile; read it and try again.');
  forgetCachedSubscriptions();
  return next;
}

export async function rotateSecret(deps: WebhookDeps, id: string): Promise<{ sub: WebhookSubscription; secret: string }> {
  const w = deps.webhooks;
  const sub = await getSubscription(w, id);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + ROTATION_OVERLAP_SECONDS * 1000).toISOString();
  const secret = formatSecret(w.randomBytes());
  // The current secret keeps signing for 24 h; older rotated-out ones keep their own expiry.
  const kept = sub.secrets
    .map((s, i) => (i === 0 ? { ...s, expiresAt } : s))
    .filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now.getTime())
    .slice(0, 2);
  const next: WebhookSubscription = { ...sub, secrets: [{ secret, createdAt: now.toISOString() }, ...kept], updatedAt: now.toISOString(), version: sub.version + 1 };
  if (!(await w.store.putSubscription(next, sub.version))) throw new ClientError(409, 'conflict', 'The subscription changed meanwhile; try again.');
  return { sub: next, secret };
}

export async function deleteSubscription(w: WebhookPorts, id: string): Promise<void> {
  if (!(await w.store.deleteSubscription(id))) throw notFound(id);
  forgetCachedSubscriptions();
}

export async function replaySince(deps: WebhookDeps, id: string, since: string): Promise<number> {
  const sub = await getSubscription(deps.webhooks, id);
  if (!sub.enabled) throw new ClientError(409, 'subscription_disabled', 'The subscription is disabled; enable it (PATCH enabled=true) before replaying.');
  const now = deps.clock.now().getTime();
  const at = Date.parse(since);
  if (at > now) throw new ClientError(400, 'invalid_body', 'since must not be in the future.', [{ path: 'since', message: 'in the future' }]);
  if (now - at > MAX_REPLAY_DAYS * 86400_000) {
    throw new ClientError(400, 'invalid_body', `since may reach back at most ${MAX_REPLAY_DAYS} days.`, [{ path: 'since', message: 'too far back' }]);
  }
  return replay(deps, sub, new Date(at).toISOString());
}

/** What the API shows: never a secret (those only once, on create and rotate). */
export const subscriptionView = (s: WebhookSubscription) => ({
  id: s.id,
  url: s.url,
  events: s.events,
  channels: s.channels ?? null,
  description: s.description ?? null,
  enabled: s.enabled,
  disabledReason: s.disabledReason ?? null,
  secretExpiresAt: s.secrets.slice(1).map((x) => x.expiresAt ?? null),
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  createdBy: s.createdBy,
  version: s.version,
});
