/** Our Standard Webhooks signer and verifier against the `standardwebhooks` package (written by others). */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { formatSecret, secretKey, signHeaders, verify } from '../../functions/core/events-out/standard-webhooks.ts';

// The example secret of the Standard Webhooks specification and its reference libraries' tests.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('Standard Webhooks signatures', () => {
  it('our signature is the library’s, for the spec’s example secret', () => {
    const body = '{"test": 2432232314}';
    const at = new Date(1614265330 * 1000);
    const ours = signHeaders([SPEC_SECRET], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body);
    expect(ours['webhook-signature']).toBe(new Webhook(SPEC_SECRET).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', at, body));
    expect(ours['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('the library verifies what we sign, for random secrets, ids and bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), fc.string({ unit: 'grapheme', maxLength: 200 }), (bytes, id, body) => {
        const secret = formatSecret(bytes);
        const now = Math.floor(Date.now() / 1000);
        const headers = signHeaders([secret], id, now, body);
        expect(() => new Webhook(secret).verify(body, { ...headers }, { jsonParse: false })).not.toThrow();
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('we verify what the library signs, and refuse a changed body, id, timestamp or secret', () => {
    const secret = formatSecret(randomBytes(32));
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'message.received', data: { text: 'hello' } });
    const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(now), 'webhook-signature': new Webhook(secret).sign('evt_1', new Date(now * 1000), body) };
    expect(verify([secret], headers, body, now)).toEqual({ ok: true, id: 'evt_1', timestamp: now });
    expect(verify([secret], headers, `${body} `, now)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify([secret], { ...headers, 'webhook-id': 'evt_2' }, body, now)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify([secret], { ...headers, 'webhook-timestamp': String(now + 1) }, body, now)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify([formatSecret(randomBytes(32))], headers, body, now)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('a rotated secret: both signatures are sent, and either secret verifies', () => {
    const oldS = formatSecret(randomBytes(32));
    const newS = formatSecret(randomBytes(32));
    const now = Math.floor(Date.now() / 1000);
    const headers = signHeaders([newS, oldS], 'evt_9', now, 'x');
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [oldS, newS]) {
      expect(verify([s], headers, 'x', now).ok).toBe(true);
      expect(() => new Webhook(s).verify('x', { ...headers }, { jsonParse: false })).not.toThrow();
    }
  });

  it('refuses stale or future timestamps beyond the tolerance, and malformed headers', () => {
    const secret = formatSecret(randomBytes(32));
    const now = 1_700_000_000;
    const h = signHeaders([secret], 'evt_1', now - 301, 'x');
    expect(verify([secret], h, 'x', now)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(verify([secret], signHeaders([secret], 'evt_1', now + 301, 'x'), 'x', now)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(verify([secret], { 'webhook-id': 'a' }, 'x', now)).toMatchObject({ ok: false, reason: 'missing_headers' });
    expect(verify([secret], { ...h, 'webhook-id': 'a.b' }, 'x', now)).toMatchObject({ ok: false, reason: 'bad_id' });
    expect(verify([secret], { ...h, 'webhook-timestamp': '1e9' }, 'x', now)).toMatchObject({ ok: false, reason: 'bad_timestamp' });
  });

  it('accepts only whsec_ secrets with 16-64 key bytes', () => {
    expect(secretKey(SPEC_SECRET)?.length).toBe(24);
    expect(secretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(secretKey('whsec_abc')).toBeUndefined();
    expect(secretKey(`whsec_${Buffer.alloc(8).toString('base64')}`)).toBeUndefined();
    expect(() => signHeaders(['nope'], 'evt', 1, 'x')).toThrow(RangeError);
  });
});
