/**
 * The voice simulator plays whole calls whose every callback our own verifiers accept: a small
 * HTTP server runs the real channel modules (Twilio Voice, Vonage Voice) on what the simulator
 * sends, and downloads the recording from the simulator's stub with the real Vonage fetcher.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVoiceScenario, startRecordingStub, vonagePublicPem, type VoiceOptions } from '../../bin/simulate-voice.ts';
import type { CallView, VoiceApi } from '../../bin/simulate-voice-watch.ts';
import { LOCAL_VONAGE_APPLICATION_ID, LOCAL_VONAGE_KEY_FILE } from '../../bin/local-stack.ts';
import { main } from '../../bin/simulate-cli.ts';
import { createVonageRecordingFetcher } from '../../functions/adapters/vonage-recordings.ts';
import { twilioVoice } from '../../functions/channels/twilio/voice.ts';
import type { ChannelEvent } from '../../functions/core/types.ts';
import { vonageVoice } from '../../functions/channels/vonage/voice.ts';
import type { ChannelModule } from '../../functions/channels/types.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

let server: Server;
let base = '';
/** What the fake server saw: route, status, and the call events the modules produced. */
const log: Array<{ path: string; status: number; events: ChannelEvent[] }> = [];
const downloads: string[] = [];
/** Transcript texts the worker would store (read from the stub with the real fetcher). */
const transcripts: string[] = [];
let stubUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const config = testConfig({ PUBLIC_BASE_URL: base, VONAGE_API_BASE_URL: stubUrl, TWILIO_API_BASE_URL: stubUrl });
      const module: ChannelModule = url.pathname.startsWith('/webhooks/vonage/') ? vonageVoice : twilioVoice;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const fetcher = createVonageRecordingFetcher({ applicationId: LOCAL_VONAGE_APPLICATION_ID, privateKey: readFileSync(LOCAL_VONAGE_KEY_FILE, 'utf8'), apiBaseUrl: stubUrl });
      try {
        const r = await module.receive(request(req.method ?? 'GET', url.pathname, Buffer.concat(chunks), headers, url.search.slice(1)), {
          config,
          now: new Date(),
          io: { fetchText: async () => '', getObject: async () => Buffer.alloc(0), claimNonce: async () => true },
        });
        const events = r.kind === 'events' ? [...r.events] : [];
        // What the worker would do: download each new recording (Vonage's with the application JWT).
        for (const e of events) {
          if (e.kind === 'call' && e.call.recording && e.call.provider === 'vonage') {
            await fetcher.fetch(e.call.recording.url);
            downloads.push(e.call.recording.url);
          }
          if (e.kind === 'call' && e.call.transcript?.url && e.call.provider === 'vonage') transcripts.push(await fetcher.transcript(e.call.transcript.url));
        }
        const answer = r.kind === 'events' ? r.ok : r.response;
        log.push({ path: url.pathname, status: answer.statusCode, events });
        res.writeHead(answer.statusCode, answer.headers).end(answer.body);
      } catch (e) {
        const status = (e as { status?: number }).status ?? 500;
        log.push({ path: url.pathname, status, events: [] });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: (e as { code?: string }).code ?? 'error', message: String(e) } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function play(scenario: 'twilio-voice' | 'vonage-voice', extra: Partial<Pick<VoiceOptions, 'missed' | 'bad' | 'api' | 'sleep' | 'now' | 'watchTimeoutMs'>> = {}) {
  log.length = 0;
  downloads.length = 0;
  transcripts.length = 0;
  const lines: string[] = [];
  // The stub port must be known before the server's config names it: take a free one first.
  const probe = await startRecordingStub(0);
  const port = Number(new URL(probe.url).port);
  await probe.close();
  stubUrl = `http://localhost:${port}`;
  const code = await runVoiceScenario(scenario, { baseUrl: base, signingBase: base, stubPort: port, env: {}, out: (l) => lines.push(l), ...extra });
  return { code, lines };
}

const kinds = () => log.flatMap((l) => l.events.map((e) => (e.kind === 'call' ? `${e.call.kind}${e.call.status ? `:${e.call.status}` : ''}` : e.kind)));

describe('npm run simulate -- vonage-voice', () => {
  it('plays answer, events, recording and transcription, each accepted by our verifier; the recording downloads with a verified JWT', async () => {
    const { code, lines } = await play('vonage-voice');
    expect(code).toBe(0);
    expect(log.map((l) => l.status)).toEqual([200, 204, 204, 204, 204, 204]);
    expect(kinds()).toEqual(['answer', 'status:ringing', 'status:in-progress', 'recording', 'status:completed', 'transcription']);
    expect(downloads).toHaveLength(1);
    expect(lines.some((l) => l.includes('jwt verified'))).toBe(true);
    // The webhook only names the transcript file (no text yet); the worker reads it with the application JWT.
    const transcript = log.at(-1)!.events[0]!;
    expect(transcript.kind === 'call' && transcript.call.transcript).toMatchObject({ text: '', url: expect.stringMatching(/\/v1\/files\/[0-9a-f-]{36}$/) });
    expect(transcripts).toEqual(['Hello, this is a simulated voicemail. Please call me back.']);
  });

  it('--missed: started, ringing, unanswered, completed as Vonage sends them (never answered), no recording; --bad-signature: refused at the answer', async () => {
    const { lines } = await play('vonage-voice', { missed: true });
    expect(lines.filter((l) => l.startsWith('event ')).map((l) => l.split(':')[0])).toEqual(['event started', 'event ringing', 'event unanswered', 'event completed']);
    expect(kinds()).toEqual(['answer', 'status:ringing', 'status:ringing', 'status:no-answer', 'status:completed']);
    expect(downloads).toEqual([]);
    const bad = await play('vonage-voice', { bad: true });
    expect(bad.code).toBe(0);
    expect(log.map((l) => l.status)).toEqual([403]);
  });
});

describe('vonage-voice against a stack whose worker reads the transcript later', () => {
  /** An API whose worker reads the transcript file from the stub only on the n-th look (as the real worker's job may run after the call). */
  function lateWorker(readOnPoll: number) {
    const delays: number[] = [];
    let polls = 0;
    let text = 'Voicemail (12 s)';
    const api: VoiceApi = {
      ticket: async () => ({ id: 'T1', line: 'new ticket T1 (voice from +447700900001, 1 message)' }),
      call: async (): Promise<CallView> => {
        polls++;
        if (polls === readOnPoll) {
          const call = log.flatMap((l) => l.events).find((e) => e.kind === 'call' && e.call.transcript?.url);
          const url = call?.kind === 'call' ? call.call.transcript!.url! : '';
          text = await fetcherFor(url).transcript(url); // fails ("fetch failed") if the stub is already closed
        }
        return { text, attachments: 1, recordings: [{ stored: true, refused: null }] };
      },
    };
    let clock = 0;
    return { api, delays, sleep: async (ms: number) => void (delays.push(ms), (clock += ms)), now: () => clock, polls: () => polls };
  }

  it('keeps the stub up until the transcript text is on the message, polling with backoff, and says so with the ticket id', async () => {
    const w = lateWorker(4);
    const { code, lines } = await play('vonage-voice', { api: w.api, sleep: w.sleep, now: w.now });
    expect(code).toBe(0);
    expect(w.polls()).toBe(4);
    expect(w.delays).toEqual([250, 500, 1000]);
    expect(lines).toContain('new ticket T1 (voice from +447700900001, 1 message)');
    expect(lines.some((l) => l.startsWith('audio: stored') && l.includes('jwt verified'))).toBe(true);
    expect(lines).toContain('transcript: on the message (its text replaced the placeholder)');
  });

  it('gives up at the timeout and says the transcript did not land', async () => {
    const w = lateWorker(99);
    const { lines } = await play('vonage-voice', { api: w.api, sleep: w.sleep, now: w.now, watchTimeoutMs: 6000 });
    expect(w.delays).toEqual([250, 500, 1000, 2000, 2000]);
    expect(lines.some((l) => l.startsWith('transcript: not on the message yet'))).toBe(true);
    expect(w.now()).toBeLessThanOrEqual(6000);
  });

  it('a server that refuses the stub: one look, the ticket id, why, and the restart command keeping PORT', async () => {
    let polls = 0;
    const api: VoiceApi = {
      ticket: async () => ({ id: 'T2', line: 'new ticket T2 (voice from +447700900001, 1 message)' }),
      call: async () => (polls++, { text: 'Voicemail (12 s)', attachments: 0, recordings: [{ stored: false, refused: 'foreign_host' }] }),
    };
    const { lines } = await play('vonage-voice', { api, sleep: async () => {} });
    expect(polls).toBe(1);
    expect(lines).toContain('new ticket T2 (voice from +447700900001, 1 message)');
    expect(lines.some((l) => l.includes('refused it (foreign_host)'))).toBe(true);
    const port = new URL(base).port;
    expect(lines.find((l) => l.includes('npm start'))).toContain(`PORT=${port} TWILIO_API_BASE_URL=${stubUrl} TWILIO_ACCOUNT_SID=AC${'0'.repeat(32)} VONAGE_API_BASE_URL=${stubUrl} npm start`);
  });
});

const fetcherFor = (url: string) =>
  createVonageRecordingFetcher({ applicationId: LOCAL_VONAGE_APPLICATION_ID, privateKey: readFileSync(LOCAL_VONAGE_KEY_FILE, 'utf8'), apiBaseUrl: new URL(url).origin });

describe('npm run simulate -- twilio-voice', () => {
  it('plays answer, recording, status and transcription, each accepted by the Twilio verifier', async () => {
    const { code } = await play('twilio-voice');
    expect(code).toBe(0);
    expect(log.every((l) => l.status < 300)).toBe(true);
    expect(log.map((l) => l.path)).toEqual(['/webhooks/twilio/voice', '/webhooks/twilio/voice/recording', '/webhooks/twilio/voice/status', '/webhooks/twilio/voice/transcription']);
    expect(kinds()).toContain('recording');
    expect(kinds()).toContain('transcription');
  });

  it('--missed: the answer and a no-answer status only', async () => {
    await play('twilio-voice', { missed: true });
    expect(log.map((l) => l.path)).toEqual(['/webhooks/twilio/voice', '/webhooks/twilio/voice/status']);
    expect(kinds().at(-1)).toBe('status:no-answer');
  });
});

describe('simulator command line', () => {
  it('--help documents the voice scenarios and their options', async () => {
    const out: string[] = [];
    expect(await main(['--help'], { out: (l) => out.push(l), env: {} })).toBe(0);
    const help = out.join('\n');
    for (const s of ['twilio-voice', 'vonage-voice', '--missed', '--stub-port', '--transcript', 'VONAGE_API_BASE_URL=http://localhost:4010', 'Twilio SMS replies']) expect(help).toContain(s);
  });

  it('the local Vonage key file gives the stub a public key to check JWTs with', () => {
    expect(vonagePublicPem({})).toContain('BEGIN PUBLIC KEY');
  });
});
