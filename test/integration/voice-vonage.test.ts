/**
 * Vonage Voice end to end on the local stack (DynamoDB Local, fauxqs, real HTTP, the worker loop):
 * signed answer/event/record callbacks as Vonage sends them, the recording downloaded from a local
 * stand-in for Vonage's file API that checks the application JWT with the public key.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newVonageCall, signedVonageVoice, vonageVoiceEvent, vonageVoiceRecord, vonageVoiceTranscription, type VonageSimCall } from '../../bin/simulate.ts';
import { callbackUrl, VONAGE_VOICE_PATHS } from '../../functions/channels/vonage/ncco.ts';
import { api, deliver, eventually, ticketsOf, uniquePhone, startTestStack, type TestStack } from '../helpers/stack.ts';

const APP = 'bbbbbbbb-1111-4222-8333-444444444444';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const AUDIO = Buffer.from('ID3 simulated voicemail audio');
/** Vonage's transcription file: sentences per channel. */
const TRANSCRIPT = { ver: '1.0.0', request_id: 'r-1', channels: [{ transcript: [{ sentence: 'Hi, my parcel never arrived.' }, { sentence: 'Please call me back.' }], duration: 17 }] };

interface FileStub {
  readonly url: string;
  /** File ids served as the transcript JSON (the rest are audio). */
  readonly transcripts: Set<string>;
  /** File ids that answer 503 this many more times before serving. */
  readonly failures: Map<string, number>;
  /** Every request: path and whether its JWT verified with the application's public key (and named our application). */
  readonly requests: Array<{ path: string; jwtOk: boolean }>;
  close(): Promise<void>;
}

async function fileStub(checkJwt: boolean): Promise<FileStub> {
  const requests: FileStub['requests'] = [];
  const transcripts = new Set<string>();
  const failures = new Map<string, number>();
  const key = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
  const server: Server = createServer(async (req, res) => {
    let jwtOk = false;
    try {
      const { payload } = await jwtVerify((req.headers.authorization ?? '').replace(/^Bearer /, ''), key, { algorithms: ['RS256'] });
      jwtOk = payload['application_id'] === APP && typeof payload.jti === 'string';
    } catch {
      jwtOk = false;
    }
    requests.push({ path: req.url ?? '', jwtOk });
    if (checkJwt && !jwtOk) {
      res.writeHead(401).end();
      return;
    }
    const id = (req.url ?? '').replace(/^\/v1\/files\//, '');
    if (failures.get(id)) {
      failures.set(id, failures.get(id)! - 1);
      res.writeHead(503).end();
      return;
    }
    if (req.url?.startsWith('/v1/calls')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"_embedded":{"calls":[]}}');
      return;
    }
    if (transcripts.has(id)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(TRANSCRIPT));
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(AUDIO);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, transcripts, failures, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let stack: TestStack;
let vonageApi: FileStub;
let foreign: FileStub;
let secret: string;
const INBOX = '+15550009999';

beforeAll(async () => {
  vonageApi = await fileStub(true);
  foreign = await fileStub(false);
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    VONAGE_API_BASE_URL: vonageApi.url,
    VONAGE_APPLICATION_ID: APP,
    VONAGE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    VOICE_GREETING_OPEN: 'You reached the support line.',
  });
  secret = stack.runtime.config.secrets.VONAGE_SIGNATURE_SECRET!;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await vonageApi?.close();
  await foreign?.close();
});

const post = (url: string, payload: object, opts: Parameters<typeof signedVonageVoice>[3] = {}) => deliver(stack, signedVonageVoice(secret, url, payload, { applicationId: APP, ...opts }));

/** Answer the call; the record action's eventUrl (path and sealed query) is where Vonage will post the recording. */
async function answer(c: VonageSimCall): Promise<{ recordingUrl: string; ncco: Array<Record<string, unknown>> }> {
  const r = await post(VONAGE_VOICE_PATHS.answer, { to: c.to, from: c.from, uuid: c.uuid, conversation_uuid: c.conversation_uuid }, { method: 'GET' });
  expect(r.status).toBe(200);
  const ncco = JSON.parse(r.body) as Array<Record<string, unknown>>;
  const record = ncco.find((a) => a['action'] === 'record')!;
  const url = new URL((record['eventUrl'] as string[])[0]!);
  return { recordingUrl: url.pathname + url.search, ncco };
}

async function callTicket(caller: string) {
  return eventually(async () => (await ticketsOf(stack, caller))[0], 20_000, `a ticket for ${caller}`);
}

describe('Vonage Voice', () => {
  it('a voicemail: NCCO, events, recording → one voice message with the audio downloaded with the application JWT', async () => {
    const caller = uniquePhone();
    const c = newVonageCall({ from: caller, to: INBOX });
    const { recordingUrl, ncco } = await answer(c);
    expect(ncco[0]).toEqual({ action: 'talk', text: 'You reached the support line.' });
    expect(ncco[1]).toMatchObject({ action: 'record', timeOut: 120, beepStart: true, endOnSilence: 3 });
    expect(recordingUrl.startsWith(`${VONAGE_VOICE_PATHS.recording}?`)).toBe(true);

    for (const s of ['started', 'answered']) expect((await post(VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, s))).status).toBe(204);
    const fileId = randomUUID();
    const rec = vonageVoiceRecord(c, { recordingUrl: `${vonageApi.url}/v1/files/${fileId}`, seconds: 17, recordingUuid: `rec-${c.uuid}` });
    // Vonage delivers the record webhook three times at once (each re-signed), and the completed event comes last: one recording.
    expect((await Promise.all([post(recordingUrl, rec), post(recordingUrl, rec), post(recordingUrl, rec)])).map((r) => r.status)).toEqual([204, 204, 204]);
    expect((await post(VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, 'completed'))).status).toBe(204);

    const ticket = await callTicket(caller);
    expect(ticket).toMatchObject({ channel: 'voice', provider: 'vonage', inboxAddress: INBOX });
    const message = await eventually(async () => {
      const m = (await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json.messages[0];
      return m?.attachments?.length ? m : undefined;
    }, 20_000, 'the recording attached');
    expect(message.text).toBe('Voicemail (17 s)');
    expect(message.attachments[0]).toMatchObject({ contentType: 'audio/mpeg', size: AUDIO.length });
    expect((await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json.messages).toHaveLength(1);
    const downloads = vonageApi.requests.filter((r) => r.path === `/v1/files/${fileId}`);
    expect(downloads).toEqual([{ path: `/v1/files/${fileId}`, jwtOk: true }]);
    expect(ticket['tags']).not.toContain('missed-call');
    const seconds = stack.metrics.events.filter((e) => e.name === 'VoicemailSeconds' && e.dimensions['Provider'] === 'vonage' && e.dimensions['Channel'] === 'voice');
    expect(seconds.map((e) => e.value)).toContain(17);

    // The transcription callback (to the same sealed URL): answered at once; the worker fetches the
    // transcript with the JWT (a first 503 is retried, never our 5xx) and it becomes the text; the placeholder stays in the history.
    const transcriptId = randomUUID();
    vonageApi.transcripts.add(transcriptId);
    vonageApi.failures.set(transcriptId, 1);
    const transcription = vonageVoiceTranscription(c, { recordingUuid: `rec-${c.uuid}`, transcriptionUrl: `${vonageApi.url}/v1/files/${transcriptId}` });
    expect((await post(recordingUrl, transcription)).status).toBe(204);
    expect((await post(recordingUrl, transcription)).status).toBe(204);
    const edited = await eventually(async () => {
      const m = (await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json.messages;
      return m[0]?.originalText ? m : undefined;
    }, 30_000, 'the transcript text');
    expect(edited).toHaveLength(1);
    expect(edited[0]).toMatchObject({ text: 'Hi, my parcel never arrived. Please call me back.', originalText: 'Voicemail (17 s)' });
    const reads = vonageApi.requests.filter((r) => r.path === `/v1/files/${transcriptId}`);
    expect(reads.length).toBeGreaterThanOrEqual(2); // the 503, then the read
    expect(reads.every((r) => r.jwtOk)).toBe(true);
  });

  it('a missed call from events alone: "Missed call", tagged, once', async () => {
    const caller = uniquePhone();
    const c = newVonageCall({ from: caller, to: INBOX });
    for (const s of ['started', 'ringing', 'unanswered', 'unanswered']) expect((await post(VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, s))).status).toBe(204);
    // The settle job runs VOICE_SETTLE_SECONDS (at least 15) after the call ended: delivered now, as SQS would then (twice).
    const settle = { job: { kind: 'voice-settle' as const, provider: 'vonage' as const, callId: c.conversation_uuid }, delaySeconds: 0 };
    await stack.runtime.deps.jobs.enqueue([settle, settle]);
    const ticket = await eventually(async () => {
      const t = (await ticketsOf(stack, caller))[0];
      return t?.['tags']?.includes('missed-call') ? t : undefined;
    }, 20_000, 'the missed-call tag');
    const detail = (await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json;
    expect(detail.messages.map((m: { text: string }) => m.text)).toEqual(['Missed call']);
    expect(ticket).toMatchObject({ channel: 'voice', provider: 'vonage' });
    // The only missed call of this file, with its status repeated: counted once.
    const missed = () => stack.metrics.events.filter((e) => e.name === 'MissedCalls' && e.dimensions['Provider'] === 'vonage');
    await eventually(async () => missed().length > 0, 5_000, 'the MissedCalls metric'); // emitted right after the tag is saved
    expect(missed().map((e) => [e.value, e.dimensions['Channel']])).toEqual([[1, 'voice']]);
  });

  it('a forged JWT, a replayed token on another route, a recording posted to a URL without the sealed call: 403, nothing stored', async () => {
    const caller = uniquePhone();
    const c = newVonageCall({ from: caller, to: INBOX });
    const forged = await post(VONAGE_VOICE_PATHS.answer, { to: c.to, from: c.from, uuid: c.uuid, conversation_uuid: c.conversation_uuid }, { bad: true });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body).error.code).toBe('bad_signature');
    // A token Vonage used for one event, replayed on the answer route: refused, the call is not answered twice.
    const other = newVonageCall({ from: uniquePhone(), to: INBOX });
    const signed = signedVonageVoice(secret, VONAGE_VOICE_PATHS.event, vonageVoiceEvent(other, 'started'), { jti: `replay-${other.uuid}`, applicationId: APP });
    expect((await deliver(stack, signed)).status).toBe(204);
    expect((await deliver(stack, signed)).status).toBe(204); // Vonage repeating the same request: fine (and a no-op)
    const replayed = await deliver(stack, { ...signed, path: VONAGE_VOICE_PATHS.answer });
    expect(replayed.status).toBe(403);
    expect(JSON.parse(replayed.body).error.code).toBe('replayed_token');
    const otherTicket = await callTicket(`+${other.from}`);
    expect((await api(stack, 'GET', `/v1/tickets/${otherTicket['id']}`)).json.messages).toHaveLength(1);
    const rec = vonageVoiceRecord(c, { recordingUrl: `${vonageApi.url}/v1/files/x`, seconds: 3 });
    const unsealed = await post(VONAGE_VOICE_PATHS.recording, rec);
    expect(unsealed.status).toBe(403);
    expect(JSON.parse(unsealed.body).error.code).toBe('missing_call_context');
    // Every answer above came after the webhook finished with the request: nothing of the forged caller was written.
    expect(await ticketsOf(stack, caller)).toEqual([]);
  });

  it('a recording URL on a foreign host is refused and never requested; the call stays a voicemail without audio', async () => {
    const caller = uniquePhone();
    const c = newVonageCall({ from: caller, to: INBOX });
    const { recordingUrl } = await answer(c);
    const rec = vonageVoiceRecord(c, { recordingUrl: `${foreign.url}/v1/files/${randomUUID()}`, seconds: 5, recordingUuid: `rec-${c.uuid}` });
    expect((await post(recordingUrl, rec)).status).toBe(204);
    expect((await post(VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, 'completed'))).status).toBe(204);
    const ticket = await callTicket(caller);
    const found = await eventually(async () => {
      const call = await stack.runtime.deps.voice!.store.findCall('vonage', c.conversation_uuid);
      return call?.message.voice?.recordings[0]?.refused ? call : undefined;
    }, 20_000, 'the recording refused');
    expect(found.message.voice!.recordings[0]!.refused).toBe('foreign_host');
    // A transcript file on a foreign host: answered 204, refused by the worker's fetcher (kept on the call), never requested.
    const tr = vonageVoiceTranscription(c, { recordingUuid: `rec-${c.uuid}`, transcriptionUrl: `${foreign.url}/v1/files/${randomUUID()}` });
    expect((await post(recordingUrl, tr)).status).toBe(204);
    const withTranscript = await eventually(async () => {
      const call = await stack.runtime.deps.voice!.store.findCall('vonage', c.conversation_uuid);
      return call?.message.voice?.transcripts[0]?.refused ? call : undefined;
    }, 20_000, 'the transcript refused');
    expect(withTranscript.message.voice!.transcripts[0]).toMatchObject({ refused: 'foreign_host', text: '' });
    expect(foreign.requests).toEqual([]);
    const detail = (await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json;
    expect(detail.messages[0].text).toBe('Voicemail (5 s)');
    expect(detail.messages[0].attachments).toEqual([]);
  });

  it('a recording URL naming another path on the Vonage host (/v1/calls) is refused (bad_url) and never requested', async () => {
    const caller = uniquePhone();
    const c = newVonageCall({ from: caller, to: INBOX });
    const { recordingUrl } = await answer(c);
    const before = vonageApi.requests.length;
    const rec = vonageVoiceRecord(c, { recordingUrl: `${vonageApi.url}/v1/calls?page_size=100`, seconds: 4, recordingUuid: `rec-${c.uuid}` });
    expect((await post(recordingUrl, rec)).status).toBe(204);
    const found = await eventually(async () => {
      const call = await stack.runtime.deps.voice!.store.findCall('vonage', c.conversation_uuid);
      return call?.message.voice?.recordings[0]?.refused ? call : undefined;
    }, 20_000, 'the recording refused');
    expect(found.message.voice!.recordings[0]!.refused).toBe('bad_url');
    expect(vonageApi.requests.slice(before).filter((r) => r.path.startsWith('/v1/calls'))).toEqual([]);
    const ticket = await callTicket(caller);
    expect((await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json.messages[0].attachments).toEqual([]);
  });

  it('every callback of one call at once, each twice, in reverse order: one ticket, one message, one recording, the transcript', async () => {
    const caller = uniquePhone();
    const c = newVonageCall({ from: caller, to: INBOX });
    // The sealed URL only depends on (conversation, from, to): built here, so the FIRST callbacks of the call race.
    const u = new URL(callbackUrl(stack.runtime.config.publicBaseUrl, VONAGE_VOICE_PATHS.recording, secret, { conversationId: c.conversation_uuid, from: c.from, to: c.to }));
    const recordingUrl = u.pathname + u.search;
    const transcriptId = randomUUID();
    vonageApi.transcripts.add(transcriptId);
    const reqs = [
      [recordingUrl, vonageVoiceTranscription(c, { recordingUuid: `rec-${c.uuid}`, transcriptionUrl: `${vonageApi.url}/v1/files/${transcriptId}` })],
      [VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, 'completed')],
      [recordingUrl, vonageVoiceRecord(c, { recordingUrl: `${vonageApi.url}/v1/files/${randomUUID()}`, seconds: 9, recordingUuid: `rec-${c.uuid}` })],
      [VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, 'answered')],
      [VONAGE_VOICE_PATHS.event, vonageVoiceEvent(c, 'started')],
    ] as const;
    const signedReqs = [
      ...reqs.map(([url, body]) => signedVonageVoice(secret, url, body, { applicationId: APP })),
      signedVonageVoice(secret, VONAGE_VOICE_PATHS.answer, { to: c.to, from: c.from, uuid: c.uuid, conversation_uuid: c.conversation_uuid }, { applicationId: APP, method: 'GET' }),
    ];
    const res = await Promise.all([...signedReqs, ...signedReqs].map((r) => deliver(stack, r)));
    expect(res.every((r) => r.status < 300)).toBe(true);
    const ticket = await callTicket(caller);
    const msgs = await eventually(async () => {
      const m = (await api(stack, 'GET', `/v1/tickets/${ticket['id']}`)).json.messages;
      return m[0]?.attachments?.length && m[0]?.text === 'Hi, my parcel never arrived. Please call me back.' ? m : undefined;
    }, 30_000, 'the recording attached and the transcript text');
    expect(msgs).toHaveLength(1);
    expect(msgs[0].attachments).toHaveLength(1);
    expect(await ticketsOf(stack, caller)).toHaveLength(1);
  });
});
