/** The voice service with in-memory ports: every order of callbacks, repeats, the settle check, downloads. */
import { describe, expect, it } from 'vitest';
import { TwilioRecordings } from '../../functions/adapters/twilio-recordings.ts';
import { redactMessage, redactTicket } from '../../functions/core/contacts.ts';
import { ConflictError } from '../../functions/core/errors.ts';
import type { MetricEvent } from '../../functions/core/metrics.ts';
import type { CoreDeps, IngestWrite, TicketStore } from '../../functions/core/ports.ts';
import { applyCallEvent, downloadRecording, settleVoiceCall } from '../../functions/core/services/voice.ts';
import type { Job, Message, QueuedJob, Ticket } from '../../functions/core/types.ts';
import { type RecordingFetcher, type StoredCall, type VoiceStore } from '../../functions/core/voice/ports.ts';
import type { CallEvent } from '../../functions/core/voice/types.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { handleWebhook } from '../../functions/webhook/service.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

const config = testConfig();
const CALL = 'CA' + '1'.repeat(32);
const REC = 'RE' + 'a'.repeat(32);
const base = { provider: 'twilio' as const, callId: CALL, from: '+15551230000', to: '+15557650000' };
const answer: CallEvent = { ...base, receivedAt: '2026-01-05T10:00:00.000Z', kind: 'answer', status: 'ringing' };
const status: CallEvent = { ...base, receivedAt: '2026-01-05T10:01:00.000Z', kind: 'status', status: 'completed' };
const recording: CallEvent = { ...base, receivedAt: '2026-01-05T10:01:01.000Z', kind: 'recording', recording: { id: REC, url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/' + REC, durationSeconds: 17 } };
const transcription: CallEvent = { ...base, receivedAt: '2026-01-05T10:02:00.000Z', kind: 'transcription', transcript: { id: 'TR' + 'b'.repeat(32), text: 'Call me back', recordingId: REC } };

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/**
 * In-memory ports: the ticket store's ingest path (dedupe by call id, threading by thread key), the
 * call store (rev-guarded, refusing erased messages like the DynamoDB condition), queues, metrics.
 */
function harness(fetcher: RecordingFetcher = { fetch: async () => ({ bytes: new Uint8Array([1, 2, 3]), contentType: 'audio/x-wav' }) }, o: { ackSms?: string; ackAllowed?: boolean } = {}) {
  const tickets = new Map<string, Ticket>();
  const messages = new Map<string, Message>(); // by call id
  const calls = {
    get: (id: string): StoredCall | undefined => {
      const m = messages.get(id);
      return m && { message: m, ticket: tickets.get(m.ticketId)! };
    },
    set: (id: string, c: StoredCall) => {
      messages.set(id, c.message);
      tickets.set(c.ticket.id, c.ticket);
    },
    clear: () => messages.clear(),
    get size() {
      return messages.size;
    },
  };
  const queued: QueuedJob[] = [];
  const metrics: MetricEvent[] = [];
  const objects = new Map<string, Uint8Array>();
  const warnings: Array<Record<string, unknown> | undefined> = [];
  const rateLimitKeys: string[] = [];
  let n = 0;
  const store = {
    getIngestContext: async (msg: { providerMessageId: string; threadKey: string }) => {
      const c = calls.get(msg.providerMessageId);
      if (c) return { duplicateOf: { ticketId: c.ticket.id, messageId: c.message.id, pendingJobs: [] } };
      const t = [...tickets.values()].find((x) => x.threadKey === msg.threadKey && x.status !== 'closed');
      return t ? { threadTicket: t, threadedBy: 'thread-key', threadPointer: t.id, contactId: t.contactId } : {};
    },
    commitIngest: async (w: IngestWrite) => {
      calls.set(w.message.providerMessageId!, { ticket: w.ticket, message: w.message });
    },
    getMessages: async (ticketId: string) => [...messages.values()].filter((m) => m.ticketId === ticketId),
    consumeRateLimit: async (key: string) => {
      rateLimitKeys.push(key);
      return o.ackAllowed ?? true;
    },
  } as unknown as TicketStore;
  const voiceStore: VoiceStore = {
    findCall: async (_p, id) => calls.get(id),
    saveCall: async (a) => {
      const c = calls.get(a.message.providerMessageId!)!;
      if ((c.message as { erasedAt?: string }).erasedAt || (c.ticket as { erasedAt?: string }).erasedAt) throw new ConflictError('erased');
      if ((c.message.voice?.rev ?? 0) !== a.expectedRev) throw new ConflictError('rev');
      if (a.ticket && a.ticket.expectedVersion !== c.ticket.version) throw new ConflictError('version');
      calls.set(a.message.providerMessageId!, { message: a.message, ticket: a.ticket ? a.ticket.ticket : c.ticket });
    },
  };
  const deps = {
    store,
    jobs: { enqueue: async (jobs: readonly QueuedJob[]) => void queued.push(...jobs) },
    metrics: { emit: (e: readonly MetricEvent[]) => void metrics.push(...e) },
    attachments: { put: async (key: string, body: Uint8Array) => void objects.set(key, body) },
    clock: { now: () => new Date('2026-01-05T10:05:00Z') },
    ids: { newId: () => `01J${String(++n).padStart(23, '0')}`, token: () => 'tok' },
    log: { info: () => undefined, warn: (_m: string, e?: Record<string, unknown>) => void warnings.push(e), error: () => undefined },
    settings: { sla: config.sla, autoAck: { enabled: false, text: '' }, automationRateLimitPerHour: 5, dedupeTtlDays: 7, cursorKey: 'k', followUps: config.followUps },
    voice: {
      store: voiceStore,
      recordings: fetcher,
      settings: { ...config.voice, settleSeconds: 60, ...(o.ackSms ? { ackSms: o.ackSms } : {}) },
      objects: { deleteObjects: async (keys: readonly string[]) => void keys.forEach((k) => objects.delete(k)) },
    },
  } as unknown as CoreDeps;
  /** Run every queued voice job (repeatedly, as SQS may deliver them more than once). */
  const drain = async () => {
    while (queued.length) {
      const { job } = queued.shift()! as { job: Job };
      if (job.kind === 'voice-settle') await settleVoiceCall(deps, job.provider, job.callId);
      if (job.kind === 'voice-recording') await downloadRecording(deps, job.provider, job.callId, job.recordingId);
    }
  };
  const sum = (name: string) => metrics.filter((m) => m.name === name).reduce((s, m) => s + m.value, 0);
  return { deps, calls, tickets, queued, metrics, objects, warnings, rateLimitKeys, drain, sum };
}

describe('voice service: callbacks in any order, repeated', () => {
  it('all 24 orders of answer/status/recording/transcription, each repeated, give one message, one download, metrics once', async () => {
    const results: unknown[] = [];
    for (const order of permutations([answer, status, recording, transcription])) {
      const h = harness();
      for (const e of [...order, ...[...order].reverse()]) await applyCallEvent(h.deps, e);
      await h.drain();
      for (const e of order) await applyCallEvent(h.deps, e); // after the jobs ran: still nothing changes
      await h.drain();
      expect(h.calls.size).toBe(1);
      const { message, ticket } = h.calls.get(CALL)!;
      expect(message).toMatchObject({ direction: 'inbound', text: 'Call me back', originalText: 'Voicemail (17 s)', providerMessageId: CALL });
      expect(message.attachments).toEqual([{ key: `attachments/voice/${ticket.id}/${REC}`, providerMediaId: REC, name: `voicemail-${REC}.wav`, contentType: 'audio/x-wav', size: 3 }]);
      expect(ticket).toMatchObject({ channel: 'voice', provider: 'twilio', threadKey: '+15557650000|+15551230000', inboxAddress: '+15557650000', customerAddress: '+15551230000' });
      expect(ticket.tags).not.toContain('missed-call');
      expect(h.objects.size).toBe(1);
      expect([h.sum('CallsReceived'), h.sum('VoicemailsReceived'), h.sum('VoicemailSeconds'), h.sum('MissedCalls')]).toEqual([1, 1, 17, 0]);
      for (const m of h.metrics.filter((x) => ['CallsReceived', 'VoicemailsReceived', 'VoicemailSeconds'].includes(x.name))) expect(m.dimensions).toEqual({ Channel: 'voice', Provider: 'twilio' });
      const { rev: _rev, ...state } = message.voice!;
      results.push({ text: message.text, originalText: message.originalText, editedAt: message.editedAt, state });
    }
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('a missed call: the settle check (run twice) tags it and counts it once; a late recording makes it a voicemail and drops the tag', async () => {
    const h = harness();
    await applyCallEvent(h.deps, answer);
    await applyCallEvent(h.deps, status);
    const settle = h.queued.filter((q) => q.job.kind === 'voice-settle');
    expect(settle.map((q) => q.delaySeconds)).toEqual([60]);
    h.queued.push(settle[0]!); // SQS delivered it twice
    await h.drain();
    let c = h.calls.get(CALL)!;
    expect(c.message.text).toBe('Missed call');
    expect(c.ticket.tags).toEqual(['missed-call']);
    expect(h.sum('MissedCalls')).toBe(1);
    await applyCallEvent(h.deps, recording);
    await h.drain();
    c = h.calls.get(CALL)!;
    expect(c.message.text).toBe('Voicemail (17 s)');
    expect(c.ticket.tags).toEqual([]);
    expect(h.sum('MissedCalls')).toBe(1);
    expect(h.sum('VoicemailsReceived')).toBe(1);
  });

  it('a call still ringing is never settled as missed', async () => {
    const h = harness();
    await applyCallEvent(h.deps, answer);
    await settleVoiceCall(h.deps, 'twilio', CALL);
    expect(h.calls.get(CALL)!.message.text).toBe('Incoming call');
    expect(h.sum('MissedCalls')).toBe(0);
  });

  it('missed-call tag: only a call\'s own transitions move it; a second call on the ticket never clears the first one\'s', async () => {
    const h = harness();
    const CALL2 = 'CA' + '2'.repeat(32);
    const REC2 = 'RE' + 'c'.repeat(32);
    const second = (e: CallEvent): CallEvent => ({ ...e, callId: CALL2, ...(e.recording ? { recording: { ...e.recording, id: REC2 } } : {}) });
    const tagsOf = () => h.calls.get(CALL)!.ticket.tags;
    await applyCallEvent(h.deps, answer);
    await applyCallEvent(h.deps, status);
    await h.drain();
    expect(tagsOf()).toEqual(['missed-call']);
    // Call 2 rings on the same ticket (same caller, same number): call 1 is still missed.
    await applyCallEvent(h.deps, second(answer));
    expect(h.calls.get(CALL2)!.ticket.id).toBe(h.calls.get(CALL)!.ticket.id);
    expect(tagsOf()).toEqual(['missed-call']);
    // Call 2 is missed too, then call 1's recording turns up: call 2 keeps the tag.
    await applyCallEvent(h.deps, second(status));
    await h.drain();
    await applyCallEvent(h.deps, recording);
    await h.drain();
    expect(h.calls.get(CALL)!.message.voice!.recordings).toHaveLength(1);
    expect(tagsOf()).toEqual(['missed-call']);
    // Call 2's recording: no call on the ticket is missed any more, the tag goes.
    await applyCallEvent(h.deps, second(recording));
    await h.drain();
    expect(tagsOf()).toEqual([]);
    expect(h.sum('MissedCalls')).toBe(2);
  });

  it('a transcript with no recording callback: settled as a voicemail, not tagged or counted missed', async () => {
    const h = harness();
    for (const e of [answer, status, transcription]) await applyCallEvent(h.deps, e);
    await h.drain();
    const c = h.calls.get(CALL)!;
    expect(c.message).toMatchObject({ text: 'Call me back', originalText: 'Voicemail' });
    expect(c.ticket.tags).toEqual([]);
    expect(h.sum('MissedCalls')).toBe(0);
  });

  it('VOICE_ACK_SMS goes only to a caller with a phone number, and at most VOICE_ACK_MAX_PER_HOUR an hour across callers', async () => {
    const acks = (h: ReturnType<typeof harness>) => h.queued.filter((q) => q.job.kind === 'ack');
    for (const hidden of ['anonymous', 'Restricted', 'client:alice', 'sip:bob@example.com', '266696687']) {
      const h = harness(undefined, { ackSms: 'We got your call' });
      await applyCallEvent(h.deps, { ...answer, from: hidden });
      expect(h.calls.size).toBe(1);
      expect(acks(h)).toEqual([]);
      expect(h.rateLimitKeys).toEqual([]); // not even counted against the cap
    }
    const ok = harness(undefined, { ackSms: 'We got your call' });
    await applyCallEvent(ok.deps, answer);
    expect(acks(ok)).toHaveLength(1);
    expect(ok.rateLimitKeys).toEqual(['voice-ack#all']);
    const capped = harness(undefined, { ackSms: 'We got your call', ackAllowed: false });
    await applyCallEvent(capped.deps, answer);
    expect(capped.calls.size).toBe(1); // the call is still a ticket
    expect(acks(capped)).toEqual([]);
    expect(capped.metrics).toContainEqual(expect.objectContaining({ name: 'AutomationSuppressed', dimensions: { Channel: 'voice', Provider: 'twilio', Reason: 'voice_ack_cap' } }));
  });

  it('a recording on a foreign host is refused before any request, with a logged reason, and never retried', async () => {
    const requested: string[] = [];
    const fakeFetch = (async (u: URL | string) => {
      requested.push(String(u));
      return new Response(new Uint8Array([9]), { status: 200, headers: { 'content-type': 'audio/x-wav' } });
    }) as typeof fetch;
    const twilio = new TwilioRecordings({ accountSid: 'AC1', authToken: 'secret-token', apiBaseUrl: 'https://api.twilio.com' }, fakeFetch);
    const h = harness({ fetch: (_p, url) => twilio.fetch(url) });
    await applyCallEvent(h.deps, { ...recording, recording: { ...recording.recording!, url: 'https://evil.example/2010-04-01/Accounts/AC1/Recordings/' + REC } });
    await h.drain();
    expect(requested).toEqual([]);
    expect(h.calls.get(CALL)!.message.voice!.recordings[0]).toMatchObject({ refused: 'foreign_host' });
    expect(h.calls.get(CALL)!.message.attachments).toEqual([]);
    expect(h.warnings).toEqual([expect.objectContaining({ reason: 'foreign_host', host: 'evil.example', callId: CALL })]);
    expect(JSON.stringify(h.warnings)).not.toContain('secret-token');
    // A repeat of the callback does not queue the download again.
    await applyCallEvent(h.deps, recording);
    expect(h.queued).toEqual([]);
  });

  it('a transient download failure is thrown (the job is retried); the message is unchanged meanwhile', async () => {
    const h = harness({ fetch: async () => Promise.reject(new Error('connect ECONNRESET')) });
    await applyCallEvent(h.deps, recording);
    await expect(h.drain()).rejects.toThrow('ECONNRESET');
    expect(h.calls.get(CALL)!.message.voice!.recordings[0]).not.toHaveProperty('refused');
  });
});

describe('voice service: erased contacts', () => {
  it('a callback after the contact was erased writes nothing (no transcript comes back)', async () => {
    const h = harness();
    await applyCallEvent(h.deps, recording);
    const c = h.calls.get(CALL)!;
    h.calls.set(CALL, { ticket: { ...c.ticket, erasedAt: '2026-01-05T11:00:00Z' }, message: { ...c.message, text: '', erasedAt: '2026-01-05T11:00:00Z' } as typeof c.message });
    await applyCallEvent(h.deps, transcription);
    await h.drain();
    expect(h.calls.get(CALL)!.message.text).toBe('');
    expect(h.objects.size).toBe(0);
  });

  it('erased while the recording downloads: the write is refused, the stored audio deleted, nothing of the call comes back', async () => {
    let h: ReturnType<typeof harness>;
    const eraseNow = () => {
      const c = h.calls.get(CALL)!;
      const at = '2026-01-05T11:00:00Z';
      h.calls.set(CALL, { ticket: redactTicket(c.ticket, at), message: redactMessage(c.message, at) });
    };
    h = harness({
      fetch: async () => {
        eraseNow(); // DELETE /v1/contacts/{id} lands while the audio is on its way
        return { bytes: new Uint8Array([1, 2, 3]), contentType: 'audio/x-wav' };
      },
    });
    await applyCallEvent(h.deps, recording);
    await h.drain();
    const after = JSON.stringify(h.calls.get(CALL));
    expect(after).not.toContain(base.from);
    expect(after).not.toContain('api.twilio.com');
    expect(h.calls.get(CALL)!.message.attachments).toEqual([]);
    expect(h.objects.size).toBe(0);
  });

  it('a callback for a call no longer indexed (erased) is dropped, not retried forever', async () => {
    const h = harness();
    await applyCallEvent(h.deps, answer);
    const c = h.calls.get(CALL)!;
    // The dedupe record says "ingested", the call index is gone.
    (h.deps.store as unknown as { getIngestContext: unknown }).getIngestContext = async () => ({ duplicateOf: { ticketId: c.ticket.id, messageId: c.message.id, pendingJobs: [] } });
    h.calls.clear();
    await expect(applyCallEvent(h.deps, status)).resolves.toBeUndefined();
    expect(h.calls.size).toBe(0);
  });
});

describe('voice webhooks are durable (handleWebhook)', () => {
  const signedStatus = async () => {
    const body = new URLSearchParams({ CallSid: CALL, From: base.from, To: base.to, CallStatus: 'completed' }).toString();
    const sig = expectedTwilioSignature(config.secrets.TWILIO_AUTH_TOKEN!, `${config.publicBaseUrl}/webhooks/twilio/voice/status`, [...new URLSearchParams(body)]);
    return request('POST', '/webhooks/twilio/voice/status', body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig });
  };

  it('store down: the verified callback is parked as a `call` job and Twilio gets its 200; parking down too: 503', async () => {
    const h = harness();
    const parked: Job[] = [];
    let parkingUp = true;
    const deps = {
      ...h.deps,
      voice: { ...h.deps.voice!, store: { findCall: async () => Promise.reject(new Error('dynamo down')), saveCall: async () => undefined } },
      parking: { parkAll: async (jobs: readonly Job[]) => (parkingUp ? void parked.push(...jobs) : Promise.reject(new Error('sqs down'))) },
      deadLetters: { send: async () => false },
    } as unknown as CoreDeps;
    const ok = await handleWebhook(deps, config, await signedStatus());
    expect(ok.statusCode).toBe(200);
    expect(parked).toEqual([{ kind: 'call', call: expect.objectContaining({ kind: 'status', status: 'completed', callId: CALL }) }]);
    parkingUp = false;
    expect((await handleWebhook(deps, config, await signedStatus())).statusCode).toBe(503);
  });
});
