import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { messagebird, lastValues, normalizeMessageBird } from '../../functions/channels/messagebird/index.ts';
import { verifyMessageBirdRequest } from '../../functions/channels/messagebird/verify.ts';
import { signHmacJwt, verifyHmacJwt } from '../../functions/channels/shared/jwt.ts';
import { normalizeVonage, vonage } from '../../functions/channels/vonage/index.ts';
import { verifyVonageRequest } from '../../functions/channels/vonage/verify.ts';
import { fixtureBytes, fixtureJson, fixtureText, request, testConfig, thrown } from '../helpers/fixtures.ts';

const AT = '2026-02-01T00:00:00.000Z';
const now = new Date(AT);
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

describe('Vonage', () => {
  const v = fixtureJson('vonage/vectors.json').published;
  const iatTime = new Date((v.claims.iat + 10) * 1000);

  it('verifies the published token with its secret and refuses it with the other', () => {
    expect(verifyHmacJwt(v.token, v.valid_signature_secret, ['HS256'])).toMatchObject({ ok: true, claims: v.claims });
    expect(verifyHmacJwt(v.token, v.invalid_signature_secret, ['HS256'])).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('checks payload_hash against the body, which the SDKs skip', () => {
    const args = { secret: v.valid_signature_secret, authorization: `Bearer ${v.token}`, now: iatTime, maxAgeSeconds: 300 };
    // The body behind this token's payload_hash is not published: any body we have must fail.
    expect(verifyVonageRequest({ ...args, rawBody: fixtureBytes('vonage/vonage-1.json') })).toEqual({ ok: false, reason: 'payload_hash_mismatch' });
    expect(verifyVonageRequest({ ...args, rawBody: Buffer.from('{}'), now: new Date((v.claims.iat + 3600) * 1000) })).toEqual({ ok: false, reason: 'stale_signature' });
    expect(verifyVonageRequest({ ...args, authorization: undefined, rawBody: Buffer.from('{}') })).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('accepts a fresh token whose payload_hash matches', () => {
    const body = fixtureBytes('vonage/vonage-1.json');
    const iat = Math.floor(now.getTime() / 1000) - 5;
    const token = signHmacJwt({ iat, jti: 'j1', iss: 'Vonage', payload_hash: sha(body), api_key: 'k' }, 'sig-secret');
    expect(verifyVonageRequest({ secret: 'sig-secret', authorization: `Bearer ${token}`, rawBody: body, now, maxAgeSeconds: 300 }).ok).toBe(true);
    const noHash = signHmacJwt({ iat, iss: 'Vonage' }, 'sig-secret');
    expect(verifyVonageRequest({ secret: 'sig-secret', authorization: `Bearer ${noHash}`, rawBody: body, now, maxAgeSeconds: 300 })).toEqual({ ok: false, reason: 'missing_payload_hash' });
    const future = signHmacJwt({ iat: iat + 3600, payload_hash: sha(body) }, 'sig-secret');
    expect(verifyVonageRequest({ secret: 'sig-secret', authorization: `Bearer ${future}`, rawBody: body, now, maxAgeSeconds: 300 })).toEqual({ ok: false, reason: 'token_from_future' });
    const hs512 = signHmacJwt({ iat, payload_hash: sha(body) }, 'sig-secret', 'HS512');
    expect(verifyVonageRequest({ secret: 'sig-secret', authorization: `Bearer ${hs512}`, rawBody: body, now, maxAgeSeconds: 300 })).toEqual({ ok: false, reason: 'unsupported_alg' });
  });

  it('normalizes the fixture with the E.164 phone as identity', () => {
    const body = fixtureBytes('vonage/vonage-1.json');
    const token = signHmacJwt({ iat: Math.floor(now.getTime() / 1000), iss: 'Vonage', payload_hash: sha(body) }, 'sig-secret');
    const r = vonage.receive(request('POST', '/webhooks/vonage', body, { 'content-type': 'application/json', authorization: `Bearer ${token}` }), {
      config: testConfig({ VONAGE_SIGNATURE_SECRET: 'sig-secret' }),
      now,
    });
    expect(r.kind === 'events' && r.events).toEqual([
      {
        kind: 'message',
        message: {
          provider: 'vonage',
          channel: 'sms',
          providerMessageId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab',
          threadKey: '447700900000|447700900001',
          from: '447700900001',
          to: '447700900000',
          identity: { kind: 'phone', value: '+447700900001' },
          text: 'Hello, world!',
          attachments: [],
          receivedAt: AT,
          sentAt: '2020-01-01T15:43:21.000Z',
        },
      },
    ]);
  });

  it('maps channels, media and status webhooks', () => {
    const wa = normalizeVonage({ message_uuid: 'u1', to: '14155550000', from: '447700900001', channel: 'whatsapp', message_type: 'image', image: { url: 'https://x/y.jpg', caption: 'broken' }, profile: { name: 'Jo' } }, AT);
    expect(wa).toMatchObject([{ message: { channel: 'whatsapp', text: 'broken', attachments: [{ url: 'https://x/y.jpg', name: 'image' }], displayName: 'Jo', identity: { kind: 'phone', value: '+447700900001' } } }]);
    const fb = normalizeVonage({ message_uuid: 'u2', to: 'PAGE', from: 'PSID9', channel: 'messenger', message_type: 'text', text: 'hi' }, AT);
    expect(fb).toMatchObject([{ message: { channel: 'messenger', identity: { kind: 'psid', value: 'PSID9' } } }]);
    const viber = normalizeVonage({ message_uuid: 'u3', to: '1', from: '447700900001', channel: 'viber_service', message_type: 'text', text: 'hi' }, AT);
    expect(viber).toMatchObject([{ message: { channel: 'viber' } }]);
    expect(normalizeVonage({ message_uuid: 'out1', status: 'delivered', timestamp: '2026-02-01T00:00:05Z' }, AT)).toEqual([
      { kind: 'status', update: { provider: 'vonage', providerMessageId: 'out1', status: 'delivered', at: '2026-02-01T00:00:05.000Z' } },
    ]);
    expect(normalizeVonage({ message_uuid: 'out2', status: 'rejected', error: { title: 'Invalid number' } }, AT)).toMatchObject([{ update: { status: 'failed', error: 'Invalid number' } }]);
    expect(thrown(() => normalizeVonage({ message_uuid: 'u4', channel: 'fax' }, AT))).toMatchObject({ status: 400 });
  });
});

describe('MessageBird', () => {
  const cases = fixtureJson<Array<{ name: string; method: string; secret: string; url: string; timestamp: string; token: string; payload?: string; valid: boolean; reason?: string }>>(
    'messagebird/messagebird-webhook-signature-jwt-reference.json',
  );

  it('has all 44 reference cases', () => expect(cases).toHaveLength(44));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const verdict = verifyMessageBirdRequest({
      signingKey: c.secret,
      token: c.token,
      url: c.url,
      rawBody: Buffer.from(c.payload ?? '', 'utf8'),
      now: new Date(c.timestamp),
    });
    expect(verdict.ok).toBe(c.valid);
  });

  it('refuses alg none and a wrong issuer', () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"iss":"MessageBird"}').toString('base64url')}.`;
    expect(verifyMessageBirdRequest({ signingKey: 'k', token: none, url: 'https://a/', rawBody: Buffer.alloc(0), now })).toEqual({ ok: false, reason: 'unsupported_alg' });
    const t = Math.floor(now.getTime() / 1000);
    const wrongIss = signHmacJwt({ iss: 'Someone', nbf: t, exp: t + 60, url_hash: sha('https://a/') }, 'k');
    expect(verifyMessageBirdRequest({ signingKey: 'k', token: wrongIss, url: 'https://a/', rawBody: Buffer.alloc(0), now })).toEqual({ ok: false, reason: 'bad_issuer' });
  });

  it('normalizes the fixture: repeated keys, last value wins (as courier expects)', () => {
    const body = fixtureText('messagebird/messagebird-1.txt');
    const events = normalizeMessageBird(lastValues(new URLSearchParams(body)), AT);
    expect(events).toEqual([
      {
        kind: 'message',
        message: {
          provider: 'messagebird',
          channel: 'sms',
          providerMessageId: '3b53c137369242138120d6b0b2122607',
          threadKey: '18005551515|18885551515',
          from: '18885551515',
          to: '18005551515',
          identity: { kind: 'phone', value: '+18885551515' },
          text: 'Test 3',
          attachments: [],
          receivedAt: AT,
          sentAt: '2023-07-27T00:49:29.000Z',
        },
      },
    ]);
  });

  it('verifies the signed URL (public base URL + path + query) through the module', () => {
    const config = testConfig({ MESSAGEBIRD_SIGNING_KEY: 'mb-key', PUBLIC_BASE_URL: 'https://support.example.com' });
    const body = fixtureBytes('messagebird/messagebird-1.txt');
    const t = Math.floor(now.getTime() / 1000);
    const token = signHmacJwt({ iss: 'MessageBird', nbf: t, exp: t + 60, jti: 'x', url_hash: sha('https://support.example.com/webhooks/messagebird'), payload_hash: sha(body) }, 'mb-key');
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'messagebird-signature-jwt': token };
    const r = messagebird.receive(request('POST', '/webhooks/messagebird', body, headers), { config, now });
    expect(r.kind).toBe('events');
    expect(thrown(() => messagebird.receive(request('POST', '/webhooks/messagebird', body, headers, 'x=1'), { config, now }))).toMatchObject({ status: 403, code: 'url_hash_mismatch' });
    expect(thrown(() => messagebird.receive(request('POST', '/webhooks/messagebird', body, headers), { config, now: new Date(now.getTime() + 120_000) }))).toMatchObject({ status: 403, code: 'stale_signature' });
  });
});
