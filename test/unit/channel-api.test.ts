import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { api } from '../../functions/channels/api/index.ts';
import { apiIdentity, normalizeApi } from '../../functions/channels/api/normalize.ts';
import { ProviderNotConfigured } from '../../functions/channels/types.ts';
import { parseApiChannelSecrets } from '../../functions/core/api-channel.ts';
import { ApiChannelSender } from '../../functions/adapters/api-channel-sender.ts';
import type { Message, Ticket } from '../../functions/core/types.ts';
import { handleWebhook } from '../../functions/webhook/service.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { request, testConfig, thrown } from '../helpers/fixtures.ts';

const AT = '2026-02-01T00:00:00.000Z';
const now = new Date(AT);
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OTHER = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const config = testConfig({ API_CHANNEL_SECRETS: JSON.stringify({ 'in-app': SECRET, forms: [OTHER, SECRET] }) });

const body = { conversationId: 'c-1', from: { id: 'u-1', name: 'Ada' }, text: 'hello', attachments: [{ url: 'https://cdn.example.com/a.png', name: 'a.png', contentType: 'image/png' }] };
function signed(path: string, b: unknown, o: { secret?: string; id?: string; at?: Date; contentType?: string } = {}) {
  const raw = typeof b === 'string' ? b : JSON.stringify(b);
  const id = o.id ?? 'msg_1';
  const at = o.at ?? now;
  const sig = new Webhook(o.secret ?? SECRET).sign(id, at, raw);
  return request('POST', path, raw, { 'content-type': o.contentType ?? 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': sig });
}

describe('API channel: configuration', () => {
  it('parses source -> secret or secrets, and refuses anything else', () => {
    expect(parseApiChannelSecrets(JSON.stringify({ a: SECRET, 'b_2-x': [SECRET, OTHER] }))).toEqual(new Map([['a', [SECRET]], ['b_2-x', [SECRET, OTHER]]]));
    for (const bad of ['[]', 'null', '{', JSON.stringify({ 'Bad Source': SECRET }), JSON.stringify({ a: 'not-a-secret' }), JSON.stringify({ a: [] }), JSON.stringify({ a: [SECRET, SECRET, SECRET, SECRET] }), JSON.stringify({ ['x'.repeat(65)]: SECRET })]) {
      expect(parseApiChannelSecrets(bad), bad).toBeUndefined();
    }
  });
  it('a malformed API_CHANNEL_SECRETS fails the configuration, naming it', () => {
    expect(() => testConfig({ API_CHANNEL_SECRETS: '{"a":"nope"}' })).toThrow(/API_CHANNEL_SECRETS/);
  });
});

describe('API channel: receive', () => {
  it('verifies with the source secret and normalizes: channel api, provider api:<source>, thread by conversation, dedupe by webhook-id', () => {
    const r = api.receive(signed('/webhooks/api/in-app', body), { config, now });
    expect(r.kind === 'events' && r.events).toEqual([
      {
        kind: 'message',
        message: {
          provider: 'api:in-app',
          channel: 'api',
          providerMessageId: 'msg_1',
          threadKey: 'c-1',
          from: 'c-1',
          to: 'in-app',
          identity: { kind: 'external', value: 'in-app:u-1' },
          displayName: 'Ada',
          text: 'hello',
          attachments: [{ url: 'https://cdn.example.com/a.png', name: 'a.png', contentType: 'image/png' }],
          receivedAt: AT,
          sentAt: AT,
        },
      },
    ]);
  });

  it('accepts any of a source secrets (rotation)', () => {
    expect(api.receive(signed('/webhooks/api/forms', body, { secret: SECRET }), { config, now }).kind).toBe('events');
    expect(api.receive(signed('/webhooks/api/forms', body, { secret: OTHER }), { config, now }).kind).toBe('events');
  });

  it('refuses forged, stale, unsigned, unknown-source and malformed requests with 4xx', () => {
    const code = (req: ReturnType<typeof signed>) => {
      const e = thrown(() => api.receive(req, { config, now }));
      return `${e.status} ${e.code}`;
    };
    expect(code(signed('/webhooks/api/in-app', body, { secret: OTHER }))).toBe('403 bad_signature');
    expect(code(signed('/webhooks/api/in-app', body, { at: new Date(now.getTime() - 301_000) }))).toBe('403 stale_timestamp');
    expect(code(request('POST', '/webhooks/api/in-app', JSON.stringify(body), { 'content-type': 'application/json' }))).toBe('403 missing_signature');
    const tampered = signed('/webhooks/api/in-app', body);
    expect(code({ ...tampered, body: Buffer.from(JSON.stringify({ ...body, text: 'pay me' })) })).toBe('403 bad_signature');
    expect(code(signed('/webhooks/api/nobody', body))).toBe('404 unknown_source');
    expect(code(signed('/webhooks/api/UP', body))).toBe('404 unknown_source');
    expect(code(signed('/webhooks/api/', body))).toBe('404 unknown_source');
    expect(code(signed('/webhooks/api/in-app', body, { contentType: 'text/plain' }))).toBe('415 unsupported_media_type');
    expect(code(signed('/webhooks/api/in-app', '{not json'))).toMatch(/^400 /);
  });

  it('is not configured (503 upstream) without API_CHANNEL_SECRETS', () => {
    expect(thrown(() => api.receive(signed('/webhooks/api/in-app', body), { config: testConfig({ API_CHANNEL_SECRETS: '' }), now }))).toBeInstanceOf(ProviderNotConfigured);
  });
});

describe('API channel: body', () => {
  const bad = (b: unknown) => thrown(() => normalizeApi('s', 'msg_1', b, AT));
  it('refuses bodies that break the schema, with details', () => {
    for (const b of [
      {},
      { ...body, from: {} },
      { ...body, from: { phone: '12345' } },
      { ...body, from: { email: 'not-an-email' } },
      { ...body, text: '', attachments: [] },
      { ...body, conversationId: '' },
      { ...body, conversationId: 'a\nb' },
      { ...body, attachments: [{ url: 'javascript:alert(1)' }] },
      { ...body, attachments: Array.from({ length: 21 }, () => ({ url: 'https://x.example/a' })) },
      { ...body, extra: true },
    ]) {
      const e = bad(b);
      expect(e.status, JSON.stringify(b)).toBe(400);
      expect(e.code).toBe('invalid_payload');
      expect(e.details.length).toBeGreaterThan(0);
    }
  });
  it('identity: email (case-folded) first, then phone (E.164), else the opaque id scoped by source', () => {
    expect(apiIdentity('s', { email: 'Ada@Example.COM', phone: '+14155550100', id: 'u' })).toEqual({ kind: 'email', value: 'ada@example.com' });
    expect(apiIdentity('s', { phone: '+1 (415) 555-0100', id: 'u' })).toEqual({ kind: 'phone', value: '+14155550100' });
    expect(apiIdentity('s', { id: 'u' })).toEqual({ kind: 'external', value: 's:u' });
  });
});

describe('ApiChannelSender', () => {
  const ticket = (provider: string) => ({ provider, channel: 'api' }) as Ticket;
  const message = { id: 'm-1', text: 'hi' } as Message;
  it('records the reply sent under our message id for a configured source, not_sent otherwise', async () => {
    const s = new ApiChannelSender(JSON.stringify({ 'in-app': SECRET }));
    expect(await s.send(ticket('api:in-app'), message)).toEqual({ status: 'sent', providerMessageId: 'm-1' });
    expect(await s.send(ticket('api:gone'), message)).toMatchObject({ status: 'not_sent' });
    expect(await new ApiChannelSender(undefined).send(ticket('api:in-app'), message)).toMatchObject({ status: 'not_sent' });
  });
});

describe('handleWebhook routing', () => {
  const deps = { clock: { now: () => now }, metrics: { emit: () => undefined }, log: { info: () => undefined, warn: () => undefined, error: () => undefined } } as unknown as CoreDeps;
  const status = async (path: string, c = config) => {
    const r = await handleWebhook(deps, c, signed(path, body));
    return `${r.statusCode} ${JSON.parse(r.body).error?.code ?? ''}`;
  };
  it('only the API channel takes a sub-path; unknown sources 404, no configuration 503', async () => {
    expect(await status('/webhooks/twilio/extra')).toBe('404 unknown_provider');
    expect(await status('/webhooks/api/nobody')).toBe('404 unknown_source');
    expect(await status('/webhooks/api')).toBe('404 unknown_source');
    expect(await status('/webhooks/api/in-app', testConfig({ API_CHANNEL_SECRETS: '' }))).toBe('503 not_configured');
  });

  it('a route named like an Object property is no provider (the registry holds loaders: nothing inherited is ever called)', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      expect(await status(`/webhooks/${name}`), name).toBe('404 unknown_provider');
    }
    expect(await status('/webhooks/constructor/voice')).toBe('404 unknown_provider');
  });
});
