/** Recording downloads (adapters/recordings.ts, twilio-recordings.ts): host allow-list, redirects, which failures are final. */
import { describe, expect, it } from 'vitest';
import { TwilioRecordings } from '../../functions/adapters/twilio-recordings.ts';
import { RecordingRefused } from '../../functions/core/voice/ports.ts';

describe('recording downloads (TwilioRecordings)', () => {
  const ok = (u: URL | string, init?: RequestInit) => ({ u: String(u), auth: new Headers(init?.headers).get('authorization') });
  it('only the API base URL origin, with Basic auth; 404 is final, 5xx is retried', async () => {
    const seen: Array<{ u: string; auth: string | null }> = [];
    let answer = 200;
    const f = (async (u: URL | string, init?: RequestInit) => {
      seen.push(ok(u, init));
      return new Response(answer === 200 ? new Uint8Array([1, 2]) : null, { status: answer, headers: { 'content-type': 'audio/mpeg' } });
    }) as typeof fetch;
    const t = new TwilioRecordings({ accountSid: 'AC1', authToken: 'tok', apiBaseUrl: 'https://api.twilio.com' }, f);
    expect(await t.fetch('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1')).toEqual({ bytes: new Uint8Array([1, 2]), contentType: 'audio/mpeg' });
    expect(seen[0]!.auth).toBe(`Basic ${Buffer.from('AC1:tok').toString('base64')}`);
    for (const bad of ['http://api.twilio.com/r', 'https://api.twilio.com.evil.example/r', 'https://user:pw@api.twilio.com/r', 'https://api.twilio.com:8443/r', 'not a url']) {
      await expect(t.fetch(bad)).rejects.toBeInstanceOf(RecordingRefused);
    }
    expect(seen).toHaveLength(1);
    for (const final of [404, 410]) {
      answer = final;
      await expect(t.fetch('https://api.twilio.com/r')).rejects.toMatchObject({ reason: 'not_found' });
    }
    // A rotated token (401/403), throttling or an outage: retried, then parked in the DLQ (redrivable).
    for (const retried of [401, 403, 429, 503]) {
      answer = retried;
      await expect(t.fetch('https://api.twilio.com/r')).rejects.not.toBeInstanceOf(RecordingRefused);
    }
  });

  it.each([
    'https://api.twilio.com.evil.example/2010-04-01/Recordings/RE1',
    'https://evil.example/https://api.twilio.com/x',
    'https://api.twilio.com:8443/2010-04-01/Recordings/RE1',
    'http://api.twilio.com/2010-04-01/Recordings/RE1',
    'https://user:pw@api.twilio.com/2010-04-01/Recordings/RE1',
    'https://[::1]/2010-04-01/Recordings/RE1',
    'https://169.254.169.254/latest/meta-data/',
    'https://api.twilio.com@evil.example/x',
  ])('refuses %s before any request', async (url) => {
    const seen: string[] = [];
    const f = (async (u: URL | string) => {
      seen.push(String(u));
      return new Response('x');
    }) as typeof fetch;
    await expect(new TwilioRecordings({ accountSid: 'AC1', authToken: 'tok', apiBaseUrl: 'https://api.twilio.com' }, f).fetch(url)).rejects.toBeInstanceOf(RecordingRefused);
    expect(seen).toEqual([]);
  });

  const redirecting = (location: string) => {
    const seen: Array<{ u: string; auth: string | null }> = [];
    const f = (async (u: URL | string, init?: RequestInit) => {
      seen.push(ok(u, init));
      return String(u).startsWith('https://api.twilio.com/') ? new Response(null, { status: 302, headers: { location } }) : new Response(new Uint8Array([7]), { status: 200, headers: { 'content-type': 'audio/x-wav' } });
    }) as typeof fetch;
    return { seen, t: new TwilioRecordings({ accountSid: 'AC1', authToken: 'tok', apiBaseUrl: 'https://api.twilio.com' }, f) };
  };

  it.each(['https://169.254.169.254/latest/meta-data/', 'https://10.0.0.1/x', 'https://[fd00::1]/x', 'https://evil.example/x', 'http://media.twiliocdn.com/x', 'https://twilio.com.evil.example/x'])(
    'a redirect to %s is refused and never requested',
    async (location) => {
      const { seen, t } = redirecting(location);
      await expect(t.fetch('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1')).rejects.toBeInstanceOf(RecordingRefused);
      expect(seen.map((x) => x.u)).toEqual(['https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1']);
    },
  );

  it.each(['https://media.twiliocdn.com/AC1/RE1?Expires=1', 'https://com-twilio-recordings.s3.amazonaws.com/RE1?X-Amz-Signature=x', 'https://s3-external-1.amazonaws.com/media.twiliocdn.com/RE1', 'https://api.us1.twilio.com/RE1'])(
    'a redirect to Twilio\'s media storage (%s) is followed once, without our credentials',
    async (location) => {
      const { seen, t } = redirecting(location);
      expect(await t.fetch('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1')).toEqual({ bytes: new Uint8Array([7]), contentType: 'audio/x-wav' });
      expect(seen).toHaveLength(2);
      expect(seen[1]).toEqual({ u: location, auth: null });
    },
  );

  it('without TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN: retried (an operator can fix it and redrive the DLQ), nothing requested', async () => {
    const seen: string[] = [];
    const f = (async (u: URL | string) => {
      seen.push(String(u));
      return new Response('x');
    }) as typeof fetch;
    const e = await new TwilioRecordings({ apiBaseUrl: 'https://api.twilio.com' }, f).fetch('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(RecordingRefused);
    expect(seen).toEqual([]);
  });
});
