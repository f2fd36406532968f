/**
 * `npm run simulate -- twilio-voice | vonage-voice [--from … --to … --missed]`: a whole phone call
 * against the running stack, each callback signed as the provider signs it: the answer (TwiML or
 * NCCO), the call status/events, and unless --missed the recording and transcription callbacks.
 *
 * The recording (and Vonage's transcript file) are served by a stand-in for the provider's API that
 * the simulator runs on --stub-port (default 4010) while the call plays; the server downloads from
 * it when its TWILIO_API_BASE_URL / VONAGE_API_BASE_URL point there (see --help). The Vonage stub
 * checks the download's JWT against the local application key (bin/local-vonage/private.pem, or
 * VONAGE_PRIVATE_KEY) and says whether it verified.
 */
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { expectedTwilioSignature } from '../functions/channels/twilio/verify.ts';
import { LOCAL_DEFAULTS } from '../functions/config.ts';
import { LOCAL_VONAGE_APPLICATION_ID, LOCAL_VONAGE_KEY_FILE } from './local-stack.ts';
import { report, watchCall, type VoiceApi } from './simulate-voice-watch.ts';
import { newVonageCall, send, signedVonageVoice, vonageVoiceEvent, vonageVoiceRecord, vonageVoiceTranscription, type SignedRequest } from './simulate.ts';

export const VOICE_SCENARIOS = ['twilio-voice', 'vonage-voice'] as const;
export type VoiceScenario = (typeof VOICE_SCENARIOS)[number];
export const isVoiceScenario = (s: string | undefined): s is VoiceScenario => (VOICE_SCENARIOS as readonly string[]).includes(s ?? '');

export interface VoiceOptions {
  readonly baseUrl: string;
  /** The public base URL the server signs and builds callback URLs for (Twilio signs it). */
  readonly signingBase: string;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly missed?: boolean | undefined;
  readonly seconds?: number | undefined;
  readonly transcript?: string | undefined;
  readonly bad?: boolean | undefined;
  readonly stubPort?: number | undefined;
  readonly token?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  /** The running stack's API: the simulator watches the call's ticket through it (and keeps its stub up meanwhile). */
  readonly api?: VoiceApi | undefined;
  /** Give up watching after this long (default 20 s). */
  readonly watchTimeoutMs?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly now?: (() => number) | undefined;
}

const AUDIO = Buffer.concat([Buffer.from('ID3'), randomBytes(1024)]);

/** The provider-API stand-in: serves any /…/Recordings/… or /v1/files/… path, logging each request and its JWT check. */
export interface RecordingStub {
  readonly url: string;
  readonly requests: Array<{ path: string; auth: string }>;
  /** Served as JSON at `/v1/files/<transcriptId>` (Vonage's transcript file). */
  transcriptFile?: object;
  transcriptId?: string;
  close(): Promise<void>;
}

export async function startRecordingStub(port: number, vonagePublicPem?: string): Promise<RecordingStub> {
  const key = vonagePublicPem ? await importSPKI(vonagePublicPem, 'RS256') : undefined;
  const requests: RecordingStub['requests'] = [];
  const state: { transcriptFile?: object; transcriptId?: string } = {};
  const server: Server = createServer(async (req, res) => {
    const authz = req.headers.authorization ?? '';
    let auth = authz.startsWith('Basic ') ? 'basic' : 'none';
    if (authz.startsWith('Bearer ')) {
      auth = 'jwt (not checked: no public key)';
      if (key) auth = await jwtVerify(authz.slice(7), key, { algorithms: ['RS256'] }).then(() => 'jwt verified', () => 'jwt INVALID');
    }
    requests.push({ path: req.url ?? '', auth });
    if (state.transcriptFile && state.transcriptId && req.url === `/v1/files/${state.transcriptId}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.transcriptFile));
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(AUDIO);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) });
}

/** The Vonage application public key the stub checks download JWTs with: from VONAGE_PRIVATE_KEY, else the local key file. */
export function vonagePublicPem(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const pem = env['VONAGE_PRIVATE_KEY']?.replaceAll('\\n', '\n') || readFileSync(LOCAL_VONAGE_KEY_FILE, 'utf8');
    return createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return undefined;
  }
}

/** A Twilio Voice form callback, signed for the full URL Twilio calls (PUBLIC_BASE_URL + path + query). */
export function signedTwilioVoice(token: string, publicUrl: string, fields: Record<string, string>, bad = false): SignedRequest {
  const u = new URL(publicUrl);
  const form = new URLSearchParams(fields);
  const query = u.search.replace(/^\?/, '');
  return {
    method: 'POST',
    path: u.pathname,
    ...(query ? { query } : {}),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': bad ? 'forged-signature' : expectedTwilioSignature(token, publicUrl, [...form]) },
    body: form.toString(),
  };
}

/** The attribute of a TwiML verb, XML-unescaped. */
const twimlAttr = (twiml: string, name: string): string | undefined =>
  new RegExp(`${name}="([^"]*)"`).exec(twiml)?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

type Step = { readonly what: string; readonly req: SignedRequest };

async function play(o: VoiceOptions, step: Step): Promise<{ status: number; body: string }> {
  const r = await send(o.baseUrl, step.req);
  o.out(`${step.what}: ${step.req.method} ${step.req.path} -> ${r.status}${r.status >= 300 ? ` ${r.body.slice(0, 200)}` : ''}`);
  return r;
}

const hex = (n: number) => randomBytes(n).toString('hex');

/** What a played call left: whether the server took its answer, and the call id the API files it under. */
type Played = { readonly ok: boolean; readonly callId: string; readonly voicemail: boolean };

const DEFAULT_TRANSCRIPT = 'Hello, this is a simulated voicemail. Please call me back.';

async function twilioCall(o: VoiceOptions, stub: RecordingStub): Promise<Played> {
  const token = o.token ?? o.env['TWILIO_AUTH_TOKEN'] ?? LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN;
  const account = o.env['TWILIO_ACCOUNT_SID'] ?? `AC${'0'.repeat(32)}`;
  const call = { CallSid: `CA${hex(16)}`, AccountSid: account, From: o.from ?? '+15551230000', To: o.to ?? '+15550001111', Direction: 'inbound', ApiVersion: '2010-04-01' };
  const base = `${o.signingBase}/webhooks/twilio/voice`;
  const answer = await play(o, { what: 'answer', req: signedTwilioVoice(token, base, { ...call, CallStatus: 'ringing' }, o.bad) });
  if (answer.status >= 300) return { ok: false, callId: call.CallSid, voicemail: false };
  o.out(`  TwiML: ${answer.body.slice(0, 300)}`);
  if (!o.missed) {
    const recordingSid = `RE${hex(16)}`;
    const recordingCallback = twimlAttr(answer.body, 'recordingStatusCallback') ?? `${base}/recording`;
    const transcribeCallback = twimlAttr(answer.body, 'transcribeCallback') ?? `${base}/transcription`;
    const recordingUrl = `${stub.url}/2010-04-01/Accounts/${account}/Recordings/${recordingSid}`;
    await play(o, {
      what: 'recording',
      req: signedTwilioVoice(token, recordingCallback, { ...call, RecordingSid: recordingSid, RecordingUrl: recordingUrl, RecordingStatus: 'completed', RecordingDuration: String(o.seconds ?? 12), RecordingChannels: '1' }),
    });
    await play(o, { what: 'status', req: signedTwilioVoice(token, `${base}/status`, { ...call, CallStatus: 'completed', CallDuration: String((o.seconds ?? 12) + 8) }) });
    await play(o, {
      what: 'transcription',
      req: signedTwilioVoice(token, transcribeCallback, { ...call, TranscriptionSid: `TR${hex(16)}`, TranscriptionText: o.transcript ?? DEFAULT_TRANSCRIPT, TranscriptionStatus: 'completed', RecordingSid: recordingSid, RecordingUrl: recordingUrl }),
    });
  } else {
    await play(o, { what: 'status', req: signedTwilioVoice(token, `${base}/status`, { ...call, CallStatus: 'no-answer' }) });
  }
  return { ok: true, callId: call.CallSid, voicemail: !o.missed };
}

async function vonageCall(o: VoiceOptions, stub: RecordingStub): Promise<Played> {
  const secret = o.token ?? o.env['VONAGE_SIGNATURE_SECRET'] ?? LOCAL_DEFAULTS.VONAGE_SIGNATURE_SECRET;
  const applicationId = o.env['VONAGE_APPLICATION_ID'] ?? LOCAL_VONAGE_APPLICATION_ID;
  const c = newVonageCall({ from: o.from ?? '+447700900001', to: o.to ?? '+447700900000' });
  const sign = (url: string, payload: object, method: 'GET' | 'POST' = 'POST') => signedVonageVoice(secret, url, payload, { method, applicationId, bad: o.bad });
  const answer = await play(o, { what: 'answer', req: sign('/webhooks/vonage/voice/answer', { to: c.to, from: c.from, uuid: c.uuid, conversation_uuid: c.conversation_uuid }, 'GET') });
  const played = (voicemail: boolean): Played => ({ ok: true, callId: c.conversation_uuid, voicemail });
  if (answer.status >= 300) return { ok: false, callId: c.conversation_uuid, voicemail: false };
  o.out(`  NCCO: ${answer.body.slice(0, 300)}`);
  const event = (status: string, extra?: Record<string, unknown>) => play(o, { what: `event ${status}`, req: sign('/webhooks/vonage/voice/event', vonageVoiceEvent(c, status, extra)) });
  await event('started');
  if (o.missed) {
    // Vonage's event order for a call nobody picks up: started, ringing, unanswered, completed (never answered).
    await event('ringing');
    await event('unanswered');
    await event('completed', { duration: '0' });
    return played(false);
  }
  await event('answered');
  // Where Vonage posts the recording: the record action's eventUrl in the NCCO (it carries the sealed call).
  const ncco = JSON.parse(answer.body) as Array<{ action: string; eventUrl?: string[] }>;
  const eventUrl = ncco.find((a) => a.action === 'record')?.eventUrl?.[0];
  if (!eventUrl) {
    o.out('  the NCCO has no record action (a forward is configured): the voicemail part is skipped');
    return played(false);
  }
  const callback = new URL(eventUrl);
  const recordingUuid = randomUUID();
  const seconds = o.seconds ?? 12;
  await play(o, { what: 'recording', req: sign(callback.pathname + callback.search, vonageVoiceRecord(c, { recordingUrl: `${stub.url}/v1/files/${recordingUuid}`, seconds, recordingUuid })) });
  await event('completed', { duration: String(seconds + 8) });
  const transcriptId = randomUUID();
  stub.transcriptId = transcriptId;
  stub.transcriptFile = { ver: '1.0.0', request_id: randomUUID(), channels: [{ transcript: [{ sentence: o.transcript ?? DEFAULT_TRANSCRIPT }], duration: seconds }] };
  await play(o, {
    what: 'transcription',
    req: sign(callback.pathname + callback.search, vonageVoiceTranscription(c, { recordingUuid, transcriptionUrl: `${stub.url}/v1/files/${transcriptId}` })),
  });
  return played(true);
}

/** Play the scenario; resolves to the exit code. The stub stays up until the API shows the audio and transcript landed (or a timeout). */
export async function runVoiceScenario(scenario: VoiceScenario, o: VoiceOptions): Promise<number> {
  let stub: RecordingStub;
  try {
    stub = await startRecordingStub(o.stubPort ?? 4010, scenario === 'vonage-voice' ? vonagePublicPem(o.env) : undefined);
  } catch (e) {
    o.out(`cannot serve the recording stub on port ${o.stubPort ?? 4010} (${e instanceof Error ? e.message : String(e)}); pass --stub-port <free port>`);
    return 1;
  }
  try {
    const played = scenario === 'twilio-voice' ? await twilioCall(o, stub) : await vonageCall(o, stub);
    if (!played.ok) return o.bad ? 0 : 1;
    const from = o.from ?? (scenario === 'twilio-voice' ? '+15551230000' : '+447700900001');
    const transcript = played.voicemail ? (o.transcript ?? DEFAULT_TRANSCRIPT) : undefined;
    const audioAuth = () => stub.requests.filter((r) => !stub.transcriptId || r.path !== `/v1/files/${stub.transcriptId}`).map((r) => r.auth).join(', ');
    if (!o.api) {
      // No API to watch (tests): judge by what the stub served.
      if (played.voicemail) o.out(stub.requests.length ? `outcome: the server downloaded from the stub (${stub.requests.map((r) => r.auth).join(', ')})` : 'outcome: nothing downloaded from the stub');
      return 0;
    }
    const w = await watchCall(o.api, { from, callId: played.callId, transcript, ticketOnly: !played.voicemail, timeoutMs: o.watchTimeoutMs, sleep: o.sleep, now: o.now });
    if (!played.voicemail) {
      o.out(w.ticket ? w.ticket.line : 'ticket: not seen yet (check GET /v1/tickets shortly)');
      if (o.missed) o.out('outcome: a missed call (the ticket says "Missed call" and is tagged missed-call once the settle delay, VOICE_SETTLE_SECONDS, has passed)');
      return 0;
    }
    for (const line of report(w, { baseUrl: o.baseUrl, stubUrl: stub.url, transcriptWanted: true, auth: audioAuth() })) o.out(line);
    return 0;
  } finally {
    await stub.close();
  }
}
