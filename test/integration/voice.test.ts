/**
 * Twilio Voice on the real local stack (DynamoDB Local, fauxqs, real HTTP): missed calls,
 * voicemails with transcripts (reversed order and repeats), contacts shared with SMS, replies by
 * SMS or a callback task, recording downloads only from the provider's host, forged requests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { keys } from '../../functions/adapters/dynamo-store.ts';
import { dedupeKeyOf } from '../../functions/core/tickets.ts';
import { API_KEY, api, eventually, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

const ACCOUNT = 'AC00000000000000000000000000000000';
const INBOX = '+15557650000';
const AUDIO = randomBytes(2048);

interface Hit {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** Twilio's API for the test: serves recordings (GET) and accepts SMS sends (POST Messages.json); `hold` keeps recording GETs waiting until `release()`. */
async function startTwilioStub(o: { hold?: boolean } = {}) {
  const hits: Hit[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() });
      if (req.method === 'GET' && req.url?.includes('/Recordings/')) {
        if (o.hold) {
          held.push(res);
          return;
        }
        res.writeHead(200, { 'content-type': 'audio/x-wav', 'content-length': String(AUDIO.length) });
        res.end(AUDIO);
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid: `SM${randomBytes(16).toString('hex')}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const release = () => {
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'audio/x-wav', 'content-length': String(AUDIO.length) }).end(AUDIO);
  };
  return {
    url,
    hits,
    held,
    release,
    close: () => {
      release();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

async function postVoice(stack: TestStack, route: '' | '/status' | '/recording' | '/transcription', fields: Record<string, string>, o: { query?: string; forged?: boolean } = {}) {
  const path = `/webhooks/twilio/voice${route}${o.query ? `?${o.query}` : ''}`;
  const body = new URLSearchParams(fields).toString();
  const token = o.forged ? 'not-the-auth-token' : stack.runtime.config.secrets.TWILIO_AUTH_TOKEN!;
  const signature = expectedTwilioSignature(token, `${stack.runtime.config.publicBaseUrl}${path}`, [...new URLSearchParams(body)]);
  const res = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body });
  return { status: res.status, text: await res.text() };
}

/** One call's four callbacks (answer, completed status, recording, transcription). */
function call(from: string, recordingUrl: (recordingSid: string) => string) {
  const CallSid = sid('CA');
  const RecordingSid = sid('RE');
  const common = { CallSid, AccountSid: ACCOUNT, From: from, To: INBOX };
  const numbers = new URLSearchParams({ From: from, To: INBOX }).toString();
  return {
    CallSid,
    RecordingSid,
    answer: () => ['', { ...common, CallStatus: 'ringing', Direction: 'inbound' }] as const,
    status: (s = 'completed') => ['/status', { ...common, CallStatus: s, CallDuration: '25' }] as const,
    recording: () => ['/recording', { AccountSid: ACCOUNT, CallSid, RecordingSid, RecordingUrl: recordingUrl(RecordingSid), RecordingStatus: 'completed', RecordingDuration: '17' }, numbers] as const,
    transcription: (text = 'Hi, my order 42 never arrived, please call me back.') =>
      ['/transcription', { ...common, TranscriptionSid: sid('TR'), TranscriptionText: text, TranscriptionStatus: 'completed', RecordingSid }] as const,
  };
}

type Step = readonly [route: '' | '/status' | '/recording' | '/transcription', fields: Record<string, string>, query?: string];
const play = async (stack: TestStack, steps: readonly Step[]) => {
  for (const [route, fields, query] of steps) expect((await postVoice(stack, route, fields, query ? { query } : {})).status).toBe(200);
};

/**
 * The settle job runs VOICE_SETTLE_SECONDS (at least 15) after the call ended; tests deliver it now,
 * through the real queue and worker, twice as SQS may.
 */
const settleNow = (stack: TestStack, CallSid: string) => {
  const settle = { job: { kind: 'voice-settle' as const, provider: 'twilio' as const, callId: CallSid }, delaySeconds: 0 };
  return stack.runtime.deps.jobs.enqueue([settle, settle]);
};

const ticketDetail = async (stack: TestStack, id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json;
const metricSum = (stack: TestStack, name: string) => stack.metrics.events.filter((e) => e.name === name).reduce((s, e) => s + e.value, 0);

describe('Twilio Voice (replies by SMS on)', () => {
  let stack: TestStack;
  let twilio: Awaited<ReturnType<typeof startTwilioStub>>;
  let foreign: Awaited<ReturnType<typeof startTwilioStub>>;

  beforeAll(async () => {
    twilio = await startTwilioStub();
    foreign = await startTwilioStub();
    stack = await startTestStack({ TWILIO_API_BASE_URL: twilio.url, VOICE_REPLY_BY_SMS: 'true', AUTO_ACK_ENABLED: 'false' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await twilio?.close();
    await foreign?.close();
  });

  it('the answer route returns TwiML: greeting, then a voicemail with our signed callbacks', async () => {
    const c = call(uniquePhone(), (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    const [route, fields] = c.answer();
    const r = await postVoice(stack, route, fields);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Say>[^<]+<\/Say><Record maxLength="120"/);
    expect(r.text).toContain(`recordingStatusCallback="${stack.runtime.config.publicBaseUrl}/webhooks/twilio/voice/recording?`);
  });

  it('a missed call: ended with no recording → "Missed call", tagged missed-call, counted once', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    const missedBefore = metricSum(stack, 'MissedCalls');
    await play(stack, [c.answer(), c.status('no-answer'), c.status('no-answer'), c.answer()]);
    await settleNow(stack, c.CallSid);
    const [t] = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      return ts.length === 1 && ts[0]!['tags'].includes('missed-call') && ts;
    }, 20_000, 'the missed-call tag');
    expect(t).toMatchObject({ channel: 'voice', provider: 'twilio', inboxAddress: INBOX, status: 'open' });
    const detail = await ticketDetail(stack, t!['id']);
    expect(detail.messages).toHaveLength(1);
    expect(detail.messages[0]).toMatchObject({ direction: 'inbound', text: 'Missed call', providerMessageId: c.CallSid, voice: { outcome: 'missed', status: 'no-answer', recordings: [] } });
    expect(metricSum(stack, 'MissedCalls') - missedBefore).toBe(1);
    // A repeated status after the settle check changes nothing.
    await play(stack, [c.status('no-answer')]);
    expect((await ticketDetail(stack, t!['id'])).messages).toHaveLength(1);
  });

  it('a voicemail with transcript, callbacks reversed and repeated: one message, the recording stored, the transcript an edit over the placeholder', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    const before = { calls: metricSum(stack, 'CallsReceived'), vm: metricSum(stack, 'VoicemailsReceived'), secs: metricSum(stack, 'VoicemailSeconds'), missed: metricSum(stack, 'MissedCalls') };
    const transcription = c.transcription();
    await play(stack, [transcription, c.recording(), c.status(), c.answer(), c.recording(), transcription, c.status(), c.answer()]);
    const msg = await eventually(async () => {
      const [t] = await ticketsOf(stack, from);
      if (!t) return undefined;
      const d = await ticketDetail(stack, t['id']);
      return d.messages[0]?.attachments.length === 1 && d.messages[0]?.voice.outcome === 'voicemail' && { ticket: d.ticket ?? t, message: d.messages[0], count: d.messages.length };
    }, 20_000, 'the stored voicemail');
    expect(msg.count).toBe(1);
    expect(msg.message).toMatchObject({
      text: 'Hi, my order 42 never arrived, please call me back.',
      originalText: 'Voicemail (17 s)',
      editedAt: expect.any(String),
      voice: { outcome: 'voicemail', status: 'completed', voicemailSeconds: 17, recordings: [{ id: c.RecordingSid, durationSeconds: 17, stored: true, refused: null }] },
    });
    const file = msg.message.attachments[0];
    expect(file).toMatchObject({ contentType: 'audio/x-wav', size: AUDIO.length, providerMediaId: c.RecordingSid, downloadUrl: expect.stringMatching(/^http/) });
    expect(Buffer.from(await (await fetch(file.downloadUrl)).arrayBuffer()).equals(AUDIO)).toBe(true);
    // Downloaded once, with Twilio's Basic auth.
    const gets = twilio.hits.filter((h) => h.method === 'GET' && h.path.includes(c.RecordingSid));
    expect(gets).toHaveLength(1);
    expect(gets[0]!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${stack.runtime.config.secrets.TWILIO_AUTH_TOKEN}`).toString('base64')}`);
    // Once the missed-call check has run: a voicemail is never a missed call.
    await settleNow(stack, c.CallSid);
    await eventually(async () => (await ticketDetail(stack, msg.ticket['id'])).messages[0].voice.settled, 20_000, 'the settle check');
    const [t] = await ticketsOf(stack, from);
    expect(t!['tags']).not.toContain('missed-call');
    expect(metricSum(stack, 'CallsReceived') - before.calls).toBe(1);
    expect(metricSum(stack, 'VoicemailsReceived') - before.vm).toBe(1);
    expect(metricSum(stack, 'VoicemailSeconds') - before.secs).toBe(17);
    expect(metricSum(stack, 'MissedCalls') - before.missed).toBe(0);
  });

  it('an SMS from the caller joins the same contact; an agent reply goes out as an SMS from the called number and counts as the first response', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c.answer()]);
    const [voiceTicket] = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      return ts.length === 1 && ts;
    });
    expect((await sendSms(stack, { from, to: INBOX, body: 'Texting too' })).status).toBe(200);
    const sms = await eventually(async () => (await ticketsOf(stack, from)).find((t) => t['channel'] === 'sms'));
    expect(sms['contactId']).toBe(voiceTicket!['contactId']);

    const reply = await api(stack, 'POST', `/v1/tickets/${voiceTicket!['id']}/replies`, { text: 'We will ship a new one today.' });
    expect(reply.status).toBe(201);
    const sent = await eventually(async () => twilio.hits.find((h) => h.method === 'POST' && h.path.endsWith('/Messages.json') && new URLSearchParams(h.body).get('To') === from));
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toMatchObject({ From: INBOX, To: from, Body: 'We will ship a new one today.' });
    const answered = await eventually(async () => {
      const d = await ticketDetail(stack, voiceTicket!['id']);
      return d.ticket?.firstResponseAt ?? d.firstResponseAt;
    }, 20_000, 'firstResponseAt');
    expect(answered).toEqual(expect.any(String));
  });

  it('a second call on the same ticket leaves the first call\'s missed-call tag alone', async () => {
    const from = uniquePhone();
    const c1 = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c1.answer(), c1.status('no-answer')]);
    await settleNow(stack, c1.CallSid);
    const [t] = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      return ts.length === 1 && ts[0]!['tags'].includes('missed-call') && ts;
    }, 20_000, 'call 1 missed');
    // Call 2 rings (still in progress), then leaves a voicemail: call 1 is still an unanswered missed call.
    const c2 = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c2.answer(), c2.recording(), c2.status()]);
    await settleNow(stack, c2.CallSid);
    await eventually(async () => (await ticketDetail(stack, t!['id'])).messages.find((m: { providerMessageId: string }) => m.providerMessageId === c2.CallSid)?.voice.settled, 20_000, 'call 2 settled');
    const [t2] = await ticketsOf(stack, from);
    expect(t2!['id']).toBe(t!['id']);
    expect(t2!['tags']).toContain('missed-call');
    // Call 1's own late recording makes it a voicemail: no call on the ticket is missed, the tag goes.
    await play(stack, [c1.recording()]);
    const [t3] = await ticketsOf(stack, from);
    expect(t3!['tags']).not.toContain('missed-call');
  });

  it('every callback of a new call delivered concurrently, three times each: one ticket, one message, one download, each metric once', async () => {
    const before = { calls: metricSum(stack, 'CallsReceived'), vm: metricSum(stack, 'VoicemailsReceived'), secs: metricSum(stack, 'VoicemailSeconds'), missed: metricSum(stack, 'MissedCalls') };
    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    const steps: Step[] = [c.answer(), c.status(), c.recording(), c.transcription('call me')];
    const statuses = await Promise.all([...steps, ...steps, ...steps].map(([route, fields, query]) => postVoice(stack, route, fields, query ? { query } : {})));
    expect(statuses.map((r) => r.status)).toEqual(Array(12).fill(200));
    await settleNow(stack, c.CallSid);
    const d = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      if (ts.length !== 1) return undefined;
      const x = await ticketDetail(stack, ts[0]!['id']);
      return x.messages.length === 1 && x.messages[0].voice.settled && x.messages[0].attachments.length === 1 && x;
    }, 20_000, 'the settled voicemail');
    expect(d.messages[0]).toMatchObject({ text: 'call me', originalText: 'Voicemail (17 s)' });
    expect(twilio.hits.filter((h) => h.method === 'GET' && h.path.includes(c.RecordingSid))).toHaveLength(1);
    expect(metricSum(stack, 'CallsReceived') - before.calls).toBe(1);
    expect(metricSum(stack, 'VoicemailsReceived') - before.vm).toBe(1);
    expect(metricSum(stack, 'VoicemailSeconds') - before.secs).toBe(17);
    expect(metricSum(stack, 'MissedCalls') - before.missed).toBe(0);
  });

  it('a hidden caller (From=anonymous): a reply is refused with 409 no_sms_address, nothing sent or written', async () => {
    const c = call('anonymous', (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c.answer()]);
    const t = await eventually(async () => (await ticketsOf(stack, 'anonymous')).find((x) => x['channel'] === 'voice'), 20_000, 'the anonymous ticket');
    const before = (await ticketDetail(stack, t['id'])).messages.length;
    const reply = await api(stack, 'POST', `/v1/tickets/${t['id']}/replies`, { text: 'Hello' });
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ error: { code: 'no_sms_address' } });
    expect((await ticketDetail(stack, t['id'])).messages).toHaveLength(before);
    expect((await ticketsOf(stack, 'anonymous')).find((x) => x['id'] === t['id'])!['tags']).not.toContain('callback');
  });

  it('a recording URL on a foreign host is refused and never requested', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `${foreign.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c.answer(), c.recording(), c.status()]);
    const msg = await eventually(async () => {
      const [t] = await ticketsOf(stack, from);
      const m = t && (await ticketDetail(stack, t['id'])).messages[0];
      return m?.voice.recordings[0]?.refused ? m : undefined;
    }, 20_000, 'the refusal');
    expect(msg.voice.recordings[0]).toMatchObject({ stored: false, refused: 'foreign_host' });
    expect(msg.attachments).toEqual([]);
    expect(msg.text).toBe('Voicemail (17 s)');
    expect(foreign.hits).toEqual([]);
  });

  it('forged signatures → 403 on every voice route, nothing stored, nothing fetched', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    const hitsBefore = twilio.hits.length;
    for (const [route, fields, query] of [c.answer(), c.status(), c.recording(), c.transcription()] as Step[]) {
      const r = await postVoice(stack, route, fields, { forged: true, ...(query ? { query } : {}) });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'bad_signature' } });
    }
    // A webhook applies what it accepts before answering: after a 403 there is nothing to wait for.
    expect(await ticketsOf(stack, from)).toEqual([]);
    expect(twilio.hits.length).toBe(hitsBefore);
  });
});

describe('Twilio Voice (replies by SMS off)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ VOICE_REPLY_BY_SMS: 'false', AUTO_ACK_ENABLED: 'false', VOICE_ACK_SMS: 'We got your call (ticket {ticket}).' });
  }, 60_000);
  afterAll(async () => stack?.stop());

  it('VOICE_ACK_SMS: the caller gets one SMS from the called number through the automation rules; a STOP by SMS suppresses it', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c.answer(), c.status(), c.answer()]);
    const [t] = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      return ts.length === 1 && ts;
    });
    const ack = await eventually(async () => stack.providerStub.requests.find((r) => r.path.endsWith('/Messages.json') && r.form.get('To') === from));
    expect(Object.fromEntries(ack.form)).toMatchObject({ From: INBOX, To: from, Body: `We got your call (ticket ${t!['id']}).` });
    const d = await ticketDetail(stack, t!['id']);
    expect(d.messages.filter((m: { purpose: string | null }) => m.purpose === 'ack')).toHaveLength(1);

    // STOP by SMS from another caller, then a call: the acknowledgement is recorded not_sent (opted out), never sent.
    const stopped = uniquePhone();
    expect((await sendSms(stack, { from: stopped, to: INBOX, body: 'STOP' })).status).toBe(200);
    const c2 = call(stopped, (r) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c2.answer()]);
    const refused = await eventually(async () => {
      const vt = (await ticketsOf(stack, stopped)).find((x) => x['channel'] === 'voice');
      const m = vt && (await ticketDetail(stack, vt['id'])).messages.find((x: { purpose: string | null }) => x.purpose === 'ack');
      return m;
    }, 20_000, 'the refused acknowledgement');
    expect(refused).toMatchObject({ deliveryStatus: 'not_sent', deliveryError: expect.stringContaining('opted_out') });
    expect(stack.providerStub.requests.filter((r) => r.form.get('To') === stopped)).toEqual([]);
  });

  it('a hidden caller (From=anonymous) gets no acknowledgement SMS', async () => {
    const hidden = call('anonymous', (r) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [hidden.answer()]);
    const t = await eventually(async () => (await ticketsOf(stack, 'anonymous')).find((x) => x['channel'] === 'voice'), 20_000, 'the anonymous ticket');
    // A later call from a phone number: once its acknowledgement went out, the earlier call's jobs ran too.
    const marker = uniquePhone();
    await play(stack, [call(marker, (r) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`).answer()]);
    await eventually(async () => stack.providerStub.requests.find((r) => r.form.get('To') === marker), 20_000, 'the marker call\'s acknowledgement');
    expect(stack.providerStub.requests.filter((r) => r.form.get('To') === 'anonymous')).toEqual([]);
    expect((await ticketDetail(stack, t['id'])).messages.filter((m: { purpose: string | null }) => m.purpose === 'ack')).toEqual([]);
  });

  it('a reply is refused with 409 voice_reply_unsupported and a callback task is recorded once; nothing else is written', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c.answer()]);
    const [t] = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      return ts.length === 1 && ts;
    });
    const id = t!['id'];
    const r = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'Hello' });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ error: { code: 'voice_reply_unsupported', message: expect.stringContaining('call the customer back') } });
    // (The call's acknowledgement, VOICE_ACK_SMS, is the only other message.)
    const notAck = (ms: Array<{ purpose: string | null }>) => ms.filter((m) => m.purpose !== 'ack');
    expect(notAck((await ticketDetail(stack, id)).messages)).toHaveLength(1);
    const tags = (await ticketsOf(stack, from))[0]!['tags'];
    expect(tags).toContain('callback');
    const listed = await api(stack, 'GET', '/v1/tickets?tag=callback&limit=100');
    expect(listed.json.tickets.map((x: { id: string }) => x.id)).toContain(id);
    const events = (await api(stack, 'GET', `/v1/tickets/${id}/events`)).json.events as Array<{ type: string; number?: string }>;
    expect(events.filter((e) => e.type === 'callback.requested')).toEqual([expect.objectContaining({ number: from })]);
    // Asked again: still 409, no second task.
    expect((await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'Hello?' })).status).toBe(409);
    const again = (await api(stack, 'GET', `/v1/tickets/${id}/events`)).json.events as Array<{ type: string }>;
    expect(again.filter((e) => e.type === 'callback.requested')).toHaveLength(1);
    expect(notAck((await ticketDetail(stack, id)).messages)).toHaveLength(1);
  });
});

describe('Twilio Voice: erasing the caller while the voicemail downloads', () => {
  let stack: TestStack;
  let twilio: Awaited<ReturnType<typeof startTwilioStub>>;
  beforeAll(async () => {
    twilio = await startTwilioStub({ hold: true });
    stack = await startTestStack({
      TWILIO_API_BASE_URL: twilio.url,
      AUTO_ACK_ENABLED: 'false',
      API_KEYS: JSON.stringify([{ key: API_KEY, scopes: ['tickets:read', 'tickets:write', 'contacts:read', 'contacts:write'], name: 'agent' }]),
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await twilio?.close();
  });

  it('the download finishing after DELETE /v1/contacts/{id} writes nothing back and its audio is deleted; a callback replayed later opens nothing', async () => {
    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    // Watch the worker's eraser (the same deps object the local worker runs with).
    const objects = stack.runtime.deps.voice!.objects!;
    const deleteObjects = objects.deleteObjects.bind(objects);
    const discarded: string[] = [];
    (objects as { deleteObjects: typeof deleteObjects }).deleteObjects = async (ks) => {
      discarded.push(...ks);
      await deleteObjects(ks);
    };
    await play(stack, [c.answer(), c.recording()]);
    await eventually(async () => twilio.held.length > 0, 20_000, 'the download to start');
    const [t] = await ticketsOf(stack, from);
    const erased = await api(stack, 'DELETE', `/v1/contacts/${t!['contactId']}`);
    expect(erased.status).toBe(200);
    twilio.release();
    const key = `attachments/voice/${t!['id']}/${c.RecordingSid}`;
    await eventually(async () => discarded.includes(key), 20_000, 'the stored audio discarded');
    const after = JSON.stringify(await stack.runtime.deps.store.getMessages(t!['id']));
    expect(after).not.toContain(from.slice(1));
    expect(after).not.toContain(twilio.url); // the recording URL (the recording's id and duration stay)
    expect((await stack.runtime.deps.store.getMessages(t!['id']))[0]!.attachments).toEqual([]);
    expect((await fetch(await stack.runtime.deps.attachments.downloadUrl(key, undefined))).status).toBe(404);

    // After the dedupe window (its record expired): the replayed callbacks find the call's tombstone and open nothing.
    const doc = DynamoDBDocumentClient.from(stack.clients.dynamo);
    await doc.send(new DeleteCommand({ TableName: stack.runtime.config.tableName, Key: keys.dedupe(dedupeKeyOf({ provider: 'twilio', channel: 'voice', providerMessageId: c.CallSid })) }));
    await play(stack, [c.answer(), c.transcription()]);
    expect(await ticketsOf(stack, from)).toEqual([]);
    expect(JSON.stringify(await stack.runtime.deps.store.getMessages(t!['id']))).not.toContain('order 42');
  });
});

describe('Twilio Voice: the voicemail transcript runs the content rules', () => {
  const ADMIN_KEY = 'voice-rules-admin-key-0123456789';
  let stack: TestStack;
  let twilio: Awaited<ReturnType<typeof startTwilioStub>>;
  beforeAll(async () => {
    twilio = await startTwilioStub();
    stack = await startTestStack({
      TWILIO_API_BASE_URL: twilio.url,
      AUTO_ACK_ENABLED: 'false',
      RULES_CACHE_SECONDS: '1',
      API_KEYS: JSON.stringify([
        { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
        { key: ADMIN_KEY, scopes: ['admin'], name: 'ops' },
      ]),
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await twilio?.close();
  });

  it('"call me back" in the transcript: tagged, priority high, one rule.applied, language en (message and ticket, listed by ?language=en); a repeated callback changes nothing', async () => {
    const created = await api(
      stack,
      'POST',
      '/v1/rules',
      {
        name: 'voicemail callback',
        on: ['message.received'],
        conditions: { all: [{ field: 'channel', op: 'is', value: 'voice' }, { field: 'text', op: 'contains', value: ['call me back'] }] },
        actions: [
          { type: 'addTags', value: ['callback-requested'] },
          { type: 'setPriority', value: 'high' },
        ],
      },
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(created.status, created.text).toBe(201);
    const ruleId = created.json.rule.id as string;
    // Longer than RULES_CACHE_SECONDS plus one refresh: every container sees the rule.
    await new Promise((r) => setTimeout(r, 2_100));

    const from = uniquePhone();
    const c = call(from, (r) => `${twilio.url}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${r}`);
    await play(stack, [c.answer(), c.status(), c.recording()]);
    const [opened] = await eventually(async () => {
      const ts = await ticketsOf(stack, from);
      return ts.length === 1 && ts;
    }, 20_000, 'the call ticket');
    // At answer time the placeholder says nothing: no rule, no language.
    expect(opened).toMatchObject({ priority: 'normal', tags: [] });
    expect(opened!['language'] ?? 'und').toBe('und');

    const transcription = c.transcription('Please call me back about my order');
    await play(stack, [transcription]);
    const id = opened!['id'] as string;
    const detail = await eventually(async () => {
      const d = await ticketDetail(stack, id);
      return d.ticket?.priority === 'high' && d;
    }, 20_000, 'the transcript triaged');
    expect(detail.ticket).toMatchObject({ priority: 'high', language: 'en' });
    expect(detail.ticket.tags).toContain('callback-requested');
    expect(detail.messages[0]).toMatchObject({ text: 'Please call me back about my order', signals: { language: 'en' } });
    const eventsOf = async () => (await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`)).json.events as Array<Record<string, any>>;
    const applied = (await eventsOf()).filter((e) => e['type'] === 'rule.applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ actor: `rule:${ruleId}`, rules: [{ rule: ruleId }] });
    const listed = (await api(stack, 'GET', '/v1/tickets?language=en&limit=100')).json.tickets as Array<Record<string, any>>;
    expect(listed.map((t) => t['id'])).toContain(id);

    // The same transcription callback again (Twilio retries): nothing changes.
    const before = { ticket: (await ticketDetail(stack, id)).ticket, events: (await eventsOf()).length };
    await play(stack, [transcription, transcription]);
    const after = await ticketDetail(stack, id);
    const pick = (t: Record<string, any>) => ({ version: t['version'], updatedAt: t['updatedAt'], priority: t['priority'], tags: t['tags'], language: t['language'] });
    expect(pick(after.ticket)).toEqual(pick(before.ticket));
    expect(after.ticket.tags.filter((t: string) => t === 'callback-requested')).toHaveLength(1);
    expect((await eventsOf()).length).toBe(before.events);
  });
});
