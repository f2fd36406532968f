import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedTwilioSignature, urlVariants, verifyTwilioRequest, type FormParams } from '../../functions/channels/twilio/verify.ts';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/twilio/vectors.json', import.meta.url), 'utf8'));
const published = vectors.published as {
  auth_token: string;
  cases: Array<{ name: string; url: string; params?: unknown; params_multi?: [string, string][]; body?: string; signature: string }>;
};

/** Resolve a vector's params (including the "same as ..." back-references) into form pairs. */
function paramsOf(cases: typeof published.cases, i: number): FormParams {
  const c = cases[i]!;
  if (c.params_multi) return c.params_multi;
  if (typeof c.params === 'string') return paramsOf(cases, cases.findIndex((x) => x.name === 'sdk form params'));
  if (!c.params) return [];
  return Object.entries(c.params as Record<string, string | string[]>).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x) => [k, x] as const) : [[k, v] as const],
  );
}

describe('Twilio signature: published vectors', () => {
  published.cases.forEach((c, i) => {
    it(`${c.name}`, () => {
      const params = c.url.includes('bodySHA256') ? [] : paramsOf(published.cases, i);
      // The verifier accepts the request the vector describes...
      const verdict = verifyTwilioRequest({
        authToken: published.auth_token,
        signature: c.signature,
        url: c.url,
        params,
        rawBody: c.body ?? '{"property": "value", "boolean": true}',
      });
      expect(verdict).toEqual({ ok: true });
      // ...and rejects it under another token.
      expect(
        verifyTwilioRequest({ authToken: 'other', signature: c.signature, url: c.url, params, rawBody: c.body ?? '' }).ok,
      ).toBe(false);
    });
  });

  it('computes the docs worked example exactly', () => {
    const c = published.cases[0]!;
    expect(expectedTwilioSignature(published.auth_token, c.url, paramsOf(published.cases, 0))).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
  });

  it('sorts repeated values and ignores their order', () => {
    const a: FormParams = [['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234']];
    const b: FormParams = [['Digits', '1234'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Sid', 'CA123']];
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(expectedTwilioSignature('12345', url, a)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
    expect(expectedTwilioSignature('12345', url, b)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });
});

describe('Twilio signature: the real fixture', () => {
  const body = readFileSync(new URL('../fixtures/twilio/twilio-1.txt', import.meta.url), 'utf8');
  const derived = vectors['derived_twilio-1'] as { auth_token: string; url: string; value: string; string_to_sign: string };
  const params = [...new URLSearchParams(body)];

  it('matches the derived signature over twilio-1.txt', () => {
    expect(expectedTwilioSignature(derived.auth_token, derived.url, params)).toBe(derived.value);
    expect(verifyTwilioRequest({ authToken: derived.auth_token, signature: derived.value, url: derived.url, params, rawBody: body })).toEqual({ ok: true });
  });

  it('rejects a tampered body, a wrong URL and a missing header', () => {
    const tampered = params.map(([k, v]) => (k === 'Body' ? [k, 'Msg!'] : [k, v]) as [string, string]);
    expect(verifyTwilioRequest({ authToken: derived.auth_token, signature: derived.value, url: derived.url, params: tampered, rawBody: body })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyTwilioRequest({ authToken: derived.auth_token, signature: derived.value, url: 'https://example.com/webhooks/twilio/other', params, rawBody: body }).ok).toBe(false);
    expect(verifyTwilioRequest({ authToken: derived.auth_token, signature: undefined, url: derived.url, params, rawBody: body })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyTwilioRequest({ authToken: derived.auth_token, signature: '', url: derived.url, params, rawBody: body })).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('accepts the signature whether Twilio signed with or without the default port', () => {
    const withPort = 'https://example.com:443/webhooks/twilio/sms';
    const sig = expectedTwilioSignature(derived.auth_token, withPort, params);
    // new URL() drops :443, so compute over the literal string as Twilio would.
    expect(verifyTwilioRequest({ authToken: derived.auth_token, signature: sig, url: derived.url, params, rawBody: body }).ok).toBe(true);
  });
});

describe('Twilio signature: JSON bodies (bodySHA256)', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
  it('rejects a body that does not match the signed hash', () => {
    expect(
      verifyTwilioRequest({ authToken: '12345', signature: 'a9nBmqA0ju/hNViExpshrM61xv4=', url, params: [], rawBody: '{"property": "other"}' }),
    ).toEqual({ ok: false, reason: 'body_hash_mismatch' });
  });
});

describe('urlVariants', () => {
  it('produces with- and without-port forms', () => {
    expect(urlVariants('https://a.example/x?y=1')).toEqual(expect.arrayContaining(['https://a.example/x?y=1', 'https://a.example:443/x?y=1']));
    expect(urlVariants('http://a.example:1234/x')).toEqual(expect.arrayContaining(['http://a.example/x', 'http://a.example:1234/x']));
  });
});
