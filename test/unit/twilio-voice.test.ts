import { describe, expect, it } from 'vitest';
import { receiveTwilioVoice } from '../../functions/channels/twilio/voice.ts';
import { answerTwiml, afterDialTwiml, voiceUrls, xml } from '../../functions/channels/twilio/voice-twiml.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import type { ChannelEvent } from '../../functions/core/types.ts';
import { request, testConfig, thrown } from '../helpers/fixtures.ts';

const TOKEN = 'voice-test-token';
const BASE = 'https://support.example.com';
const CALL = 'CA' + '0123456789abcdef'.repeat(2);
const ACCOUNT = 'AC' + 'f'.repeat(32);
const config = testConfig({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: BASE, VOICE_MAX_RECORDING_SECONDS: '90' });
const ctx = (c = config, now = new Date('2026-01-05T10:00:00Z')) => ({ config: c, now });

function signed(path: string, fields: Record<string, string>, opts: { query?: string; token?: string; signFor?: string } = {}) {
  const body = new URLSearchParams(fields).toString();
  const url = `${BASE}${opts.signFor ?? path}${opts.query ? `?${opts.query}` : ''}`;
  const sig = expectedTwilioSignature(opts.token ?? TOKEN, url, [...new URLSearchParams(body)]);
  return request('POST', path, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, opts.query ?? '');
}

const callFields = { CallSid: CALL, AccountSid: ACCOUNT, From: '+15551230000', To: '+15557650000', CallStatus: 'ringing', Direction: 'inbound' };
const callOf = (r: ReturnType<typeof receiveTwilioVoice>) => {
  if (r.kind !== 'events') throw new Error('expected events');
  const e = r.events[0] as Extract<ChannelEvent, { kind: 'call' }>;
  return { call: e.call, ok: r.ok };
};

describe('POST /webhooks/twilio/voice: TwiML', () => {
  it('answers with the greeting and a voicemail Record whose callbacks are our verified routes', () => {
    const { call, ok } = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice', callFields), ctx()));
    expect(call).toEqual({ provider: 'twilio', callId: CALL, from: '+15551230000', to: '+15557650000', receivedAt: '2026-01-05T10:00:00.000Z', providerAccount: ACCOUNT, kind: 'answer', status: 'ringing' });
    expect(ok.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(ok.body).toContain('<Say>Thanks for calling.');
    expect(ok.body).toContain('maxLength="90"');
    expect(ok.body).toContain(`recordingStatusCallback="${BASE}/webhooks/twilio/voice/recording?From=%2B15551230000&amp;To=%2B15557650000"`);
    expect(ok.body).toContain(`transcribe="true" transcribeCallback="${BASE}/webhooks/twilio/voice/transcription"`);
    expect(ok.body).toContain(`action="${BASE}/webhooks/twilio/voice"`);
  });

  it('open and closed hours choose the greeting; open with a forward number dials it first', () => {
    const env = {
      TWILIO_AUTH_TOKEN: TOKEN,
      PUBLIC_BASE_URL: BASE,
      BUSINESS_CALENDARS: JSON.stringify({ office: { timeZone: 'UTC', week: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] } } }),
      VOICE_CALENDAR: 'office',
      VOICE_FORWARD_TO: '+15550009999',
      VOICE_GREETING_OPEN: 'Open <&> "now"',
      VOICE_GREETING_CLOSED: 'Closed, leave a message',
    };
    const c = testConfig(env);
    const open = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice', callFields), ctx(c, new Date('2026-01-05T10:00:00Z')))).ok.body;
    expect(open).toContain(`<Dial timeout="20" action="${BASE}/webhooks/twilio/voice">+15550009999</Dial>`);
    expect(open).not.toContain('<Record');
    const closed = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice', callFields), ctx(c, new Date('2026-01-05T22:00:00Z')))).ok.body;
    expect(closed).toContain('<Say>Closed, leave a message</Say><Record');
    expect(closed).not.toContain('<Dial');
    // Back from <Dial>: nobody answered → the (escaped) greeting and a voicemail; answered → hang up.
    const missed = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice', { ...callFields, CallStatus: 'in-progress', DialCallStatus: 'no-answer' }), ctx(c)));
    expect(missed.ok.body).toContain('<Say>Open &lt;&amp;&gt; &quot;now&quot;</Say><Record');
    expect(missed.call.status).toBeUndefined();
    const picked = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice', { ...callFields, DialCallStatus: 'completed' }), ctx(c)));
    expect(picked.ok.body).toContain('<Hangup/>');
    expect(picked.call.answered).toBe(true);
  });

  it('back from <Record> (its action): hang up, never record again', () => {
    const { ok } = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice', { ...callFields, RecordingSid: 'RE' + 'a'.repeat(32) }), ctx()));
    expect(ok.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });

  it('escapes XML in every text and attribute', () => {
    expect(xml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const urls = voiceUrls('https://x.example/a&b', '+1"', '+2<');
    const doc = answerTwiml({ open: false, text: '</Say><Dial>+1999</Dial>', maxLengthSeconds: 5 }, urls);
    expect(doc).not.toContain('<Dial>');
    expect(doc).toContain('&lt;/Say&gt;&lt;Dial&gt;');
    expect(afterDialTwiml(false, { open: true, text: 'x', maxLengthSeconds: 5 }, urls)).toContain('https://x.example/a&amp;b/webhooks/twilio/voice');
  });
});

describe('Twilio voice callbacks', () => {
  it('status: the outcome', () => {
    const { call, ok } = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice/status', { ...callFields, CallStatus: 'no-answer' }), ctx()));
    expect(call).toMatchObject({ kind: 'status', status: 'no-answer', callId: CALL });
    expect(ok.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  it('recording: the numbers come from our signed callback URL (Twilio omits them)', () => {
    const rec = { AccountSid: ACCOUNT, CallSid: CALL, RecordingSid: 'RE' + 'a'.repeat(32), RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/RE${'a'.repeat(32)}`, RecordingStatus: 'completed', RecordingDuration: '17' };
    const query = 'From=%2B15551230000&To=%2B15557650000';
    const { call } = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice/recording', rec, { query }), ctx()));
    expect(call).toMatchObject({ kind: 'recording', from: '+15551230000', to: '+15557650000', recording: { id: rec.RecordingSid, url: rec.RecordingUrl, durationSeconds: 17 } });
    // A recording that is absent (silence) or failed opens the call but carries no recording.
    const absent = callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice/recording', { ...rec, RecordingStatus: 'absent' }, { query }), ctx()));
    expect(absent.call.recording).toBeUndefined();
    // The numbers in the URL are signed: changed after signing, the request is refused.
    const tampered = signed('/webhooks/twilio/voice/recording', rec, { query });
    const forged = { ...tampered, rawQuery: 'From=%2B19990000000&To=%2B15557650000', query: new URLSearchParams('From=%2B19990000000&To=%2B15557650000') };
    expect(thrown(() => receiveTwilioVoice(forged, ctx()))).toMatchObject({ status: 403, code: 'bad_signature' });
  });

  it('transcription: the text, only when completed', () => {
    const t = { ...callFields, TranscriptionSid: 'TR' + 'b'.repeat(32), TranscriptionText: 'Call me back', TranscriptionStatus: 'completed', RecordingSid: 'RE' + 'a'.repeat(32) };
    expect(callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice/transcription', t), ctx())).call.transcript).toEqual({ id: t.TranscriptionSid, text: 'Call me back', recordingId: t.RecordingSid });
    expect(callOf(receiveTwilioVoice(signed('/webhooks/twilio/voice/transcription', { ...t, TranscriptionStatus: 'failed', TranscriptionText: '' }), ctx())).call.transcript).toBeUndefined();
  });
});

describe('Twilio voice verification (every route)', () => {
  const routes: Array<[string, Record<string, string>]> = [
    ['/webhooks/twilio/voice', callFields],
    ['/webhooks/twilio/voice/status', { ...callFields, CallStatus: 'completed' }],
    ['/webhooks/twilio/voice/recording', { ...callFields, RecordingSid: 'RE' + 'a'.repeat(32), RecordingUrl: 'https://api.twilio.com/r', RecordingStatus: 'completed', RecordingDuration: '3' }],
    ['/webhooks/twilio/voice/transcription', { ...callFields, TranscriptionSid: 'TR' + 'b'.repeat(32), TranscriptionText: 'x', TranscriptionStatus: 'completed' }],
  ];
  for (const [path, fields] of routes) {
    it(`${path}: forged, unsigned, replayed elsewhere, tampered or not a form → refused`, () => {
      expect(thrown(() => receiveTwilioVoice(signed(path, fields, { token: 'not-the-token' }), ctx()))).toMatchObject({ status: 403, code: 'bad_signature' });
      const unsigned = signed(path, fields);
      expect(thrown(() => receiveTwilioVoice({ ...unsigned, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, ctx()))).toMatchObject({ status: 403, code: 'missing_signature' });
      // A genuine request for another route, replayed here: the URL is signed, so it fails.
      const other = routes.find(([p]) => p !== path)!;
      const replayed = signed(other[0], fields);
      expect(thrown(() => receiveTwilioVoice({ ...replayed, path }, ctx()))).toMatchObject({ status: 403, code: 'bad_signature' });
      const tampered = signed(path, fields);
      expect(thrown(() => receiveTwilioVoice({ ...tampered, body: Buffer.from(tampered.body.toString().replace('%2B15551230000', '%2B15550000000')) }, ctx()))).toMatchObject({ status: 403 });
      expect(thrown(() => receiveTwilioVoice({ ...signed(path, fields), headers: { ...signed(path, fields).headers, 'content-type': 'application/json' } }, ctx()))).toMatchObject({ status: 415 });
    });
  }

  it('a genuine request replayed verbatim is accepted and yields the same event (merging it changes nothing)', () => {
    const r = signed('/webhooks/twilio/voice/status', { ...callFields, CallStatus: 'completed' });
    expect(callOf(receiveTwilioVoice(r, ctx())).call).toEqual(callOf(receiveTwilioVoice(r, ctx())).call);
  });

  it('signed but malformed (a call SID that is not one) → 400 with details', () => {
    const e = thrown(() => receiveTwilioVoice(signed('/webhooks/twilio/voice', { ...callFields, CallSid: 'CA123' }), ctx()));
    expect(e).toMatchObject({ status: 400, code: 'invalid_payload' });
    expect(JSON.stringify(e.details)).toContain('CallSid');
  });

  it('TWILIO_AUTH_TOKEN unset → not configured (503 upstream), nothing parsed', () => {
    const c = testConfig({ TWILIO_AUTH_TOKEN: '', PUBLIC_BASE_URL: BASE });
    expect(thrown(() => receiveTwilioVoice(signed('/webhooks/twilio/voice', callFields), ctx(c))).name).toBe('ProviderNotConfigured');
  });
});
