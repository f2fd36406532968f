import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newVonageCall, signedVonageVoice, vonageVoiceEvent, vonageVoiceRecord, vonageVoiceTranscription, type VonageSimCall } from '../../bin/simulate.ts';
import { answerNcco, callbackUrl, openCallbackContext, VONAGE_VOICE_PATHS } from '../../functions/channels/vonage/ncco.ts';
import { signHmacJwt } from '../../functions/channels/shared/jwt.ts';
import { FORWARD_FAILED_PROMPT, replayRecordSeconds, vonageVoice } from '../../functions/channels/vonage/voice.ts';
import { transcriptText } from '../../functions/adapters/vonage-transcript.ts';
import { durationSeconds, e164, normalizeEvent } from '../../functions/channels/vonage/voice-normalize.ts';
import type { ChannelIO, ReceiveResult } from '../../functions/channels/types.ts';
import { ClientError } from '../../functions/core/errors.ts';
import type { Config } from '../../functions/config.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

const SECRET = 'vonage-voice-test-secret';
const BASE = 'https://support.example.com';
const NOW = new Date('2026-03-02T10:00:00.000Z');
const config = (env: Record<string, string> = {}): Config => testConfig({ VONAGE_SIGNATURE_SECRET: SECRET, PUBLIC_BASE_URL: BASE, ...env });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** claimNonce like the store's: first use wins, the same binding again is fine, another binding is a replay. */
function memoryIo(extra: Partial<ChannelIO> = {}): ChannelIO & { ttls: number[]; otherIo: number } {
  const nonces = new Map<string, string>();
  const ttls: number[] = [];
  const io = {
    ttls,
    /** Any I/O but the nonce claim (a webhook must never download anything). */
    otherIo: 0,
    fetchText: async () => {
      io.otherIo++;
      return '';
    },
    getObject: async () => {
      io.otherIo++;
      return Buffer.alloc(0);
    },
    claimNonce: async (scope: string, value: string, ttl: number, binding: string) => {
      ttls.push(ttl);
      const k = `${scope}|${value}`;
      const seen = nonces.get(k);
      if (seen === undefined) nonces.set(k, binding);
      return seen === undefined || seen === binding;
    },
    ...extra,
  };
  return io;
}

async function send(r: ReturnType<typeof signedVonageVoice>, opts: { io?: ChannelIO; cfg?: Config; now?: Date } = {}): Promise<ReceiveResult> {
  const req = request(r.method, r.path, r.body, r.headers, r.query ?? '');
  return vonageVoice.receive(req, { config: opts.cfg ?? config(), now: opts.now ?? NOW, io: opts.io ?? memoryIo() });
}

async function rejected(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (e) {
    return { status: (e as { status: number }).status, code: (e as { code: string }).code };
  }
  throw new Error('expected a rejection');
}

const iat = Math.floor(NOW.getTime() / 1000);
const call: VonageSimCall = { from: '447700900001', to: '447700900000', uuid: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab', conversation_uuid: 'CON-aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab' };
const answerPayload = { to: call.to, from: call.from, uuid: call.uuid, conversation_uuid: call.conversation_uuid };
const recordingPath = (c = call) => new URL(callbackUrl(BASE, VONAGE_VOICE_PATHS.recording, SECRET, { conversationId: c.conversation_uuid, from: c.from, to: c.to })).pathname + new URL(callbackUrl(BASE, VONAGE_VOICE_PATHS.recording, SECRET, { conversationId: c.conversation_uuid, from: c.from, to: c.to })).search;

describe('Vonage Voice NCCO', () => {
  const greeting = { open: false, text: 'We are closed.', maxLengthSeconds: 90 };
  const ctx = { conversationId: call.conversation_uuid, from: call.from, to: call.to };

  it('closed hours: the closed greeting, then a record whose eventUrl carries the sealed call back to /recording', () => {
    const ncco = answerNcco({ publicBaseUrl: BASE, secret: SECRET, call: ctx, greeting });
    expect(ncco[0]).toEqual({ action: 'talk', text: 'We are closed.' });
    const record = ncco[1]!;
    expect(record).toMatchObject({ action: 'record', endOnSilence: 3, timeOut: 90, beepStart: true, eventMethod: 'POST' });
    expect(record).not.toHaveProperty('transcription');
    const url = new URL((record['eventUrl'] as string[])[0]!);
    expect(url.origin + url.pathname).toBe(`${BASE}/webhooks/vonage/voice/recording`);
    expect(openCallbackContext(url.searchParams, SECRET)).toEqual({ ok: true, context: ctx });
    expect(ncco.map((a) => a.action)).toEqual(['talk', 'record', 'talk']);
  });

  it('open with a forward number: the open greeting, then a synchronous connect from our number; transcription when asked', () => {
    const ncco = answerNcco({ publicBaseUrl: BASE, secret: SECRET, call: ctx, greeting: { open: true, text: 'Hello.', forwardTo: '+447700900999', maxLengthSeconds: 60 } });
    expect(ncco.map((a) => a.action)).toEqual(['talk', 'connect']);
    expect(ncco[1]).toMatchObject({ from: call.to, eventType: 'synchronous', endpoint: [{ type: 'phone', number: '447700900999' }] });
    const withTranscript = answerNcco({ publicBaseUrl: BASE, secret: SECRET, call: ctx, greeting, transcribe: { language: 'en-GB' } });
    expect(withTranscript[1]).toMatchObject({ transcription: { language: 'en-GB', eventMethod: 'POST' } });
  });

  it('clamps timeOut to what Vonage accepts (3-7200 s)', () => {
    expect(answerNcco({ publicBaseUrl: BASE, secret: SECRET, call: ctx, greeting: { ...greeting, maxLengthSeconds: 1 } })[1]).toMatchObject({ timeOut: 3 });
    expect(answerNcco({ publicBaseUrl: BASE, secret: SECRET, call: ctx, greeting: { ...greeting, maxLengthSeconds: 99_999 } })[1]).toMatchObject({ timeOut: 7200 });
  });

  it('a tampered call context is refused', () => {
    const q = new URL(callbackUrl(BASE, VONAGE_VOICE_PATHS.recording, SECRET, ctx)).searchParams;
    q.set('from', '15550001111');
    expect(openCallbackContext(q, SECRET)).toEqual({ ok: false, reason: 'bad_call_context' });
    expect(openCallbackContext(new URLSearchParams(), SECRET)).toEqual({ ok: false, reason: 'missing_call_context' });
  });
});

describe('Vonage Voice webhooks', () => {
  it('answer (POST): answers the NCCO for the hour and emits the call keyed by the conversation, numbers in E.164', async () => {
    const r = await send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat, applicationId: 'app-1' }));
    if (r.kind !== 'events') throw new Error('expected events');
    expect(r.events).toEqual([
      { kind: 'call', call: { provider: 'vonage', callId: call.conversation_uuid, from: '+447700900001', to: '+447700900000', receivedAt: NOW.toISOString(), kind: 'answer', providerAccount: 'app-1' } },
    ]);
    expect(r.ok.statusCode).toBe(200);
    const ncco = JSON.parse(r.ok.body) as Array<{ action: string }>;
    expect(ncco.map((a) => a.action)).toEqual(['talk', 'record', 'talk']);
  });

  it('answer (GET, Vonage default): payload_hash covers the query; a changed query is refused', async () => {
    const signed = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat, method: 'GET' });
    const r = await send(signed);
    expect(r.kind === 'events' && r.events[0]).toMatchObject({ kind: 'call', call: { kind: 'answer', from: '+447700900001' } });
    const tampered = { ...signed, query: signed.query!.replace('447700900001', '15550001111') };
    expect(await rejected(send(tampered))).toEqual({ status: 403, code: 'payload_hash_mismatch' });
  });

  it('forged, stale, payload-mismatched, unsigned, other-application tokens: 403 before anything is parsed', async () => {
    const io = memoryIo();
    expect(await rejected(send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat, bad: true }), { io }))).toEqual({ status: 403, code: 'bad_signature' });
    expect(await rejected(send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat: iat - 3600 }), { io }))).toEqual({ status: 403, code: 'stale_signature' });
    const good = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat });
    expect(await rejected(send({ ...good, body: good.body.replace(call.from, '15550001111') }, { io }))).toEqual({ status: 403, code: 'payload_hash_mismatch' });
    expect(await rejected(send({ ...good, headers: { 'content-type': 'application/json' } }, { io }))).toEqual({ status: 403, code: 'missing_signature' });
    const otherApp = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat, applicationId: 'someone-else' });
    expect(await rejected(send(otherApp, { io, cfg: config({ VONAGE_APPLICATION_ID: 'ours' }) }))).toEqual({ status: 403, code: 'wrong_application' });
    const noJti = signHmacJwt({ iat, iss: 'Vonage', payload_hash: sha(good.body) }, SECRET);
    expect(await rejected(send({ ...good, headers: { ...good.headers, authorization: `Bearer ${noJti}` } }, { io }))).toEqual({ status: 403, code: 'missing_jti' });
  });

  it('replay: the same token on another route or body is refused; Vonage repeating the exact request is not', async () => {
    const io = memoryIo();
    const answer = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat, jti: 'jti-1' });
    await send(answer, { io });
    await expect(send(answer, { io })).resolves.toMatchObject({ kind: 'events' });
    const sameTokenOnEvent = { ...answer, path: VONAGE_VOICE_PATHS.event };
    expect(await rejected(send(sameTokenOnEvent, { io }))).toEqual({ status: 403, code: 'replayed_token' });
  });

  it('accepts payload_hash of the compact JSON (as Vonage documents) for a pretty-printed body', async () => {
    const payload = vonageVoiceEvent(call, 'completed');
    const pretty = JSON.stringify(payload, null, 2);
    const token = signHmacJwt({ iat, jti: 'p1', iss: 'Vonage', payload_hash: sha(JSON.stringify(payload)) }, SECRET);
    const r = await send({ method: 'POST', path: VONAGE_VOICE_PATHS.event, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: pretty });
    expect(r.kind === 'events' && r.events[0]).toMatchObject({ kind: 'call', call: { kind: 'status', status: 'completed' } });
  });

  it('bad input after a valid signature: 400/415 with details, never a 5xx', async () => {
    expect(await rejected(send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, { from: call.from }, { iat })))).toEqual({ status: 400, code: 'invalid_payload' });
    const evil = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, { ...answerPayload, conversation_uuid: 'CON-x/../../y' }, { iat });
    expect(await rejected(send(evil))).toEqual({ status: 400, code: 'invalid_payload' });
    const form = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.event, vonageVoiceEvent(call, 'completed'), { iat });
    expect(await rejected(send({ ...form, headers: { ...form.headers, 'content-type': 'text/plain' } }))).toEqual({ status: 415, code: 'unsupported_media_type' });
    expect(await rejected(send({ ...form, method: 'GET' }))).toEqual({ status: 405, code: 'method_not_allowed' });
  });

  it('maps every call-leg status; legs and events that are not call outcomes are skipped', async () => {
    const expected: Record<string, string> = { started: 'ringing', ringing: 'ringing', answered: 'in-progress', completed: 'completed', timeout: 'no-answer', unanswered: 'no-answer', busy: 'busy', failed: 'failed', rejected: 'failed', cancelled: 'canceled' };
    for (const [vonageStatus, ours] of Object.entries(expected)) {
      const r = await send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.event, vonageVoiceEvent(call, vonageStatus), { iat }));
      expect(r.kind === 'events' && r.events).toEqual([{ kind: 'call', call: expect.objectContaining({ kind: 'status', status: ours, callId: call.conversation_uuid }) }]);
      expect(r.kind === 'events' && r.ok.statusCode).toBe(204);
    }
    expect(normalizeEvent(vonageVoiceEvent(call, 'human'), NOW.toISOString())).toMatchObject({ kind: 'skipped', reason: 'unsupported_status' });
    expect(normalizeEvent(vonageVoiceEvent(call, 'completed', { direction: 'outbound' }), NOW.toISOString())).toMatchObject({ kind: 'skipped', reason: 'outbound_leg' });
  });

  it('the forwarded leg: unanswered → the voicemail NCCO; answered → the call is marked answered', async () => {
    const eventUrl = callbackUrl(BASE, VONAGE_VOICE_PATHS.event, SECRET, { conversationId: call.conversation_uuid, from: call.from, to: call.to });
    const agentLeg = { ...call, uuid: 'bbbbbbbb-bbbb-4ccc-8ddd-0123456789ab', from: call.to, to: '447700900999' };
    const path = new URL(eventUrl).pathname + new URL(eventUrl).search;
    const failed = await send(signedVonageVoice(SECRET, path, vonageVoiceEvent(agentLeg, 'unanswered', { direction: 'outbound' }), { iat }));
    if (failed.kind !== 'events') throw new Error('expected events');
    expect(failed.events).toEqual([]);
    const ncco = JSON.parse(failed.ok.body) as Array<Record<string, unknown>>;
    expect(ncco.map((a) => a.action)).toEqual(['talk', 'record', 'talk']);
    expect(ncco[0]).toMatchObject({ text: FORWARD_FAILED_PROMPT });
    const answered = await send(signedVonageVoice(SECRET, path, vonageVoiceEvent(agentLeg, 'answered', { direction: 'outbound' }), { iat }));
    expect(answered.kind === 'events' && answered.events).toEqual([{ kind: 'call', call: expect.objectContaining({ kind: 'status', answered: true, from: '+447700900001', to: '+447700900000' }) }]);
  });

  it('recording: needs the sealed context of its URL, keys by recording_uuid, duration from start/end', async () => {
    const rec = vonageVoiceRecord(call, { recordingUrl: 'https://api.nexmo.com/v1/files/rec-1', seconds: 42, recordingUuid: 'rec-1' });
    const r = await send(signedVonageVoice(SECRET, recordingPath(), rec, { iat }));
    expect(r.kind === 'events' && r.events).toEqual([
      {
        kind: 'call',
        call: expect.objectContaining({ kind: 'recording', callId: call.conversation_uuid, from: '+447700900001', to: '+447700900000', recording: { id: 'rec-1', url: 'https://api.nexmo.com/v1/files/rec-1', durationSeconds: 42 } }),
      },
    ]);
    expect(await rejected(send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.recording, rec, { iat })))).toEqual({ status: 403, code: 'missing_call_context' });
    const other = newVonageCall({ from: '+15550001111', to: '+15550002222' });
    expect(await rejected(send(signedVonageVoice(SECRET, recordingPath(other), rec, { iat })))).toEqual({ status: 403, code: 'bad_call_context' });
  });

  it('transcription: answered 204 at once with the file named for the worker; nothing is downloaded in the webhook', async () => {
    const url = 'https://api.nexmo.com/v1/files/f0000000-0000-4000-8000-00000000000f';
    const io = memoryIo();
    const r = await send(signedVonageVoice(SECRET, recordingPath(), vonageVoiceTranscription(call, { recordingUuid: 'rec-1', transcriptionUrl: url }), { iat }), { io });
    if (r.kind !== 'events') throw new Error('expected events');
    expect(r.ok.statusCode).toBe(204);
    expect(r.events).toEqual([
      { kind: 'call', call: expect.objectContaining({ kind: 'transcription', callId: call.conversation_uuid, from: '+447700900001', transcript: { id: 'rec-1', text: '', recordingId: 'rec-1', url } }) },
    ]);
    expect(io.otherIo).toBe(0);
    // A foreign URL is not judged here either: the worker's fetcher refuses it (logged, kept), never requested.
    const foreign = await send(signedVonageVoice(SECRET, recordingPath(), vonageVoiceTranscription(call, { recordingUuid: 'rec-2', transcriptionUrl: 'https://evil.example/t' }), { iat }), { io });
    expect(foreign.kind === 'events' && foreign.events[0]).toMatchObject({ kind: 'call', call: { transcript: { url: 'https://evil.example/t' } } });
    expect(io.otherIo).toBe(0);
  });

  it('transcription callbacks in other shapes: any type is accepted; no URL or a failed status is skipped (204), never a 400', async () => {
    const base = { conversation_uuid: call.conversation_uuid, recording_uuid: 'rec-1' };
    const url = 'https://api.nexmo.com/v1/files/f0000000-0000-4000-8000-00000000000f';
    const recorded = await send(signedVonageVoice(SECRET, recordingPath(), { ...base, type: 'record', status: 'transcribed', transcription_url: url }, { iat }));
    expect(recorded.kind === 'events' && recorded.events[0]).toMatchObject({ kind: 'call', call: { kind: 'transcription', transcript: { url } } });
    const untyped = await send(signedVonageVoice(SECRET, recordingPath(), { ...base, transcription_url: url }, { iat }));
    expect(untyped.kind === 'events' && untyped.events[0]).toMatchObject({ kind: 'call', call: { kind: 'transcription' } });
    const failed = await send(signedVonageVoice(SECRET, recordingPath(), { ...base, type: 'transcription', status: 'transcription_failed', error: 'no speech' }, { iat }));
    expect(failed.kind === 'events' && failed.events).toEqual([{ kind: 'skipped', reason: 'transcription_failed', detail: 'transcription_failed' }]);
    expect(failed.kind === 'events' && failed.ok.statusCode).toBe(204);
    const failedWithUrl = await send(signedVonageVoice(SECRET, recordingPath(), { ...base, status: 'failed', transcription_url: url }, { iat }));
    expect(failedWithUrl.kind === 'events' && failedWithUrl.events[0]).toMatchObject({ kind: 'skipped', reason: 'transcription_failed' });
    const noUrl = await send(signedVonageVoice(SECRET, recordingPath(), { ...base, type: 'transcription', status: 'transcribed' }, { iat }));
    expect(noUrl.kind === 'events' && noUrl.events).toEqual([{ kind: 'skipped', reason: 'transcription_without_url', detail: 'transcribed' }]);
    // Still checked: the call its sealed URL names.
    const other = newVonageCall({ from: '+15550001111', to: '+15550002222' });
    expect(await rejected(send(signedVonageVoice(SECRET, recordingPath(other), { ...base, status: 'transcribed', transcription_url: url }, { iat })))).toEqual({ status: 403, code: 'bad_call_context' });
  });

  it('answer without `from`: an in-app (Client SDK) caller is `client:<from_user>`, a withheld one `anonymous`; the NCCO is always answered', async () => {
    const sdk = await send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, { to: call.to, from_user: 'jane', uuid: call.uuid, conversation_uuid: call.conversation_uuid }, { iat, method: 'GET' }));
    if (sdk.kind !== 'events') throw new Error('expected events');
    expect(sdk.ok.statusCode).toBe(200);
    expect(sdk.events[0]).toMatchObject({ kind: 'call', call: { kind: 'answer', from: 'client:jane', to: '+447700900000' } });
    const record = (JSON.parse(sdk.ok.body) as Array<Record<string, unknown>>).find((a) => a['action'] === 'record')!;
    const sealed = new URL((record['eventUrl'] as string[])[0]!).searchParams;
    expect(openCallbackContext(sealed, SECRET)).toEqual({ ok: true, context: { conversationId: call.conversation_uuid, from: 'client:jane', to: call.to } });
    const withheld = await send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, { to: call.to, uuid: call.uuid, conversation_uuid: call.conversation_uuid }, { iat }));
    expect(withheld.kind === 'events' && withheld.ok.statusCode).toBe(200);
    expect(withheld.kind === 'events' && withheld.events[0]).toMatchObject({ call: { from: 'anonymous' } });
    const event = await send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.event, { status: 'started', to: call.to, uuid: call.uuid, conversation_uuid: call.conversation_uuid }, { iat }));
    expect(event.kind === 'events' && event.events[0]).toMatchObject({ call: { from: 'anonymous', status: 'ringing' } });
  });

  it('a forwarded-leg event of another conversation posted to a call\'s sealed event URL: 403 bad_call_context', async () => {
    const eventUrl = new URL(callbackUrl(BASE, VONAGE_VOICE_PATHS.event, SECRET, { conversationId: call.conversation_uuid, from: call.from, to: call.to }));
    const path = eventUrl.pathname + eventUrl.search;
    const body = { status: 'answered', direction: 'outbound', uuid: 'leg-2', conversation_uuid: 'CON-bbbbbbbb-0000-4000-8000-00000000000b', from: call.to, to: '447700900999' };
    expect(await rejected(send(signedVonageVoice(SECRET, path, body, { iat })))).toEqual({ status: 403, code: 'bad_call_context' });
    for (const status of ['answered', 'unanswered']) {
      expect(await rejected(send(signedVonageVoice(SECRET, path, { ...body, status }, { iat })))).toEqual({ status: 403, code: 'bad_call_context' });
    }
  });

  it('with VONAGE_APPLICATION_ID set, a token without application_id is refused (403 missing_application_id)', async () => {
    const r = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.event, vonageVoiceEvent(call, 'started'), { iat });
    const claims = JSON.parse(Buffer.from(r.headers['authorization']!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    delete claims['application_id'];
    const headers = { ...r.headers, authorization: `Bearer ${signHmacJwt(claims, SECRET)}` };
    const io = memoryIo();
    expect(await rejected(send({ ...r, headers }, { io, cfg: config({ VONAGE_APPLICATION_ID: 'our-app' }) }))).toEqual({ status: 403, code: 'missing_application_id' });
    expect(io.ttls).toEqual([]);
    // Without VONAGE_APPLICATION_ID configured there is nothing to compare it with: accepted.
    await expect(send({ ...r, headers })).resolves.toMatchObject({ kind: 'events' });
  });

  it('the replay record outlives every moment the token is accepted (max age + the 300 s future skew)', async () => {
    const cfg = config({ MAX_SIGNATURE_AGE_SECONDS: '30' });
    const r = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.event, vonageVoiceEvent(call, 'started'), { iat: iat + 299 });
    const io = memoryIo();
    await expect(send(r, { cfg, io })).resolves.toMatchObject({ kind: 'events' });
    // The same token is still accepted until iat + max age, 329 s from now…
    await expect(send(r, { cfg, io: memoryIo(), now: new Date(NOW.getTime() + 328_000) })).resolves.toMatchObject({ kind: 'events' });
    expect(await rejected(send(r, { cfg, io: memoryIo(), now: new Date(NOW.getTime() + 331_000) }))).toMatchObject({ code: 'stale_signature' });
    // …and its claim is kept at least that long.
    expect(io.ttls[0]).toBe(replayRecordSeconds(30));
    expect(io.ttls[0]).toBeGreaterThanOrEqual(329);
  });

  it('GET answer: duplicate query keys hash and act on the same (last) value; a changed value is refused (SOUND)', async () => {
    const r = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat, method: 'GET' });
    expect(await rejected(send({ ...r, query: `from=447000000000&${r.query!}` }))).toMatchObject({ status: 403 });
    const same = await send({ ...r, query: `${r.query!}&from=${call.from}` });
    expect(same.kind === 'events' && same.events[0]).toMatchObject({ call: { from: '+447700900001' } });
    expect(await rejected(send({ ...r, query: `${r.query!}&from=447000000000` }))).toMatchObject({ status: 403 });
  });

  it('a valid signature over a deeply nested, non-object or empty body gives a 4xx, never a 5xx (SOUND)', async () => {
    const deep = `{"status":"started","conversation_uuid":"${call.conversation_uuid}","from":"1","to":"2","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const raw of [deep, '[]', 'null', '"x"', '', '{"__proto__":{"polluted":1},"status":"x"}']) {
      const token = signHmacJwt({ iat, jti: `j-${raw.length}-${raw.slice(0, 5)}`, iss: 'Vonage', payload_hash: sha(raw) }, SECRET);
      const r = signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.event, {}, { iat });
      try {
        await send({ ...r, body: raw, headers: { ...r.headers, authorization: `Bearer ${token}` } });
      } catch (e) {
        expect(e).toBeInstanceOf(ClientError);
        expect((e as ClientError).status).toBeGreaterThanOrEqual(400);
        expect((e as ClientError).status).toBeLessThan(500);
      }
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('is not configured without the signature secret (503 upstream), whatever the request', async () => {
    const cfg = config({ VONAGE_SIGNATURE_SECRET: '' });
    await expect(send(signedVonageVoice(SECRET, VONAGE_VOICE_PATHS.answer, answerPayload, { iat }), { cfg })).rejects.toMatchObject({ name: 'ProviderNotConfigured' });
  });
});

describe('Vonage Voice normalization helpers', () => {
  it('numbers: digits become E.164; anonymous or SIP callers stay as bounded raw values', () => {
    expect(e164('447700900001')).toBe('+447700900001');
    expect(e164('+14155550100')).toBe('+14155550100');
    expect(e164('Unknown')).toBe('Unknown');
    expect(e164('x'.repeat(500))).toHaveLength(64);
  });

  it('duration: whole seconds, 0 when missing or reversed', () => {
    expect(durationSeconds('2026-01-01T00:00:00Z', '2026-01-01T00:00:41.6Z')).toBe(42);
    expect(durationSeconds(undefined, '2026-01-01T00:00:00Z')).toBe(0);
    expect(durationSeconds('2026-01-01T00:01:00Z', '2026-01-01T00:00:00Z')).toBe(0);
  });

  it('transcript text: sentences of every channel, bounded; junk gives nothing', () => {
    expect(transcriptText({ channels: [{ transcript: [{ sentence: ' a ' }, {}] }, { transcript: [{ sentence: 'b' }] }] })).toBe('a b');
    expect(transcriptText({ nope: 1 })).toBe('');
    expect(transcriptText({ channels: [{ transcript: [{ sentence: 'x'.repeat(50) }] }] }, 10)).toHaveLength(10);
  });
});
