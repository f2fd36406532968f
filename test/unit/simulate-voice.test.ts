/**
 * The voice simulator plays whole calls whose every callback our own verifiers accept: a small
 * HTTP server runs the real channel modules (Twilio Voice, Vonage Voice) on what the simulator
 * sends, and downloads the recording from the simulator's stub with the real Vonage fetcher.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVoiceScenario, startRecordingStub, vonagePublicPem } from '../../bin/simulate-voice.ts';
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

async function play(scenario: 'twilio-voice' | 'vonage-voice', extra: { missed?: boolean; bad?: boolean } = {}) {
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

  it('--missed: events only, no recording; --bad-signature: refused at the answer', async () => {
    await play('vonage-voice', { missed: true });
    expect(kinds()).toEqual(['answer', 'status:ringing', 'status:in-progress', 'status:no-answer']);
    const bad = await play('vonage-voice', { bad: true });
    expect(bad.code).toBe(0);
    expect(log.map((l) => l.status)).toEqual([403]);
  });
});

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
    for (const s of ['twilio-voice', 'vonage-voice', '--missed', '--stub-port', '--transcript', 'VONAGE_API_BASE_URL=http://localhost:4010']) expect(help).toContain(s);
  });

  it('the local Vonage key file gives the stub a public key to check JWTs with', () => {
    expect(vonagePublicPem({})).toContain('BEGIN PUBLIC KEY');
  });
});
