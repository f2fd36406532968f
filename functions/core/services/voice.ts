/**
 * Voice calls (issue 16): every verified callback of a call (answer, status, recording,
 * transcription) lands on ONE inbound message. The first callback opens it through the normal
 * ingest path (dedupe by call id, contacts, clocks, acks, events); every callback then merges into
 * it by core/voice/state.ts's order-independent rule, guarded by the state's revision. A terminal
 * call is settled after VOICE_SETTLE_SECONDS (a delayed job): no recording by then is a missed call.
 * Recordings (and transcript files, Vonage) are downloaded by worker jobs from the provider's own
 * host only: never inside a webhook request.
 */
import { phoneIdentity } from '../phone.ts';
import { METRIC, count, seconds, type MetricEvent } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import type { InboundMessage, QueuedJob } from '../types.ts';
import { RecordingRefused, type VoiceDeps, type VoiceProvider } from '../voice/ports.ts';
import { recordingKey } from '../voice/keys.ts';
import { emptyCall, mergeCall, outcomeOf, recordingStored, settleCall, TERMINAL, textOf, transcriptPending, transcriptStored, type VoiceInfo } from '../voice/state.ts';
import type { CallEvent } from '../voice/types.ts';
import { ingestMessage } from './ingest.ts';
import { erased, saveState as save } from './voice-save.ts';

export { MISSED_CALL_TAG, messageOf } from './voice-save.ts';

function voiceOf(deps: CoreDeps): VoiceDeps {
  if (!deps.voice) throw new Error('voice is not wired in this function (CoreDeps.voice)');
  return deps.voice;
}

const dims = (provider: string) => ({ Channel: 'voice', Provider: provider });

/** Merge one verified callback into its call's message (opening it first if it is the call's first). */
export async function applyCallEvent(deps: CoreDeps, ev: CallEvent): Promise<void> {
  const voice = voiceOf(deps);
  for (let attempt = 1; ; attempt++) {
    const found = await voice.store.findCall(ev.provider, ev.callId);
    if (!found) {
      if (attempt > 2) {
        // Ingested (the dedupe record says so) but no longer indexed: its contact was erased since.
        deps.log.warn('voice callback for a call that is no longer indexed: ignored', { provider: ev.provider, callId: ev.callId, kind: ev.kind });
        return;
      }
      await openCall(deps, voice, ev);
      continue;
    }
    if (erased(found)) {
      deps.log.info('voice callback for an erased contact: ignored', { provider: ev.provider, callId: ev.callId, kind: ev.kind });
      return;
    }
    const current = found.message.voice ?? emptyCall(ev.provider, ev.callId);
    const merged = mergeCall(current, ev);
    if (!merged.changed) {
      // A repeat: nothing to write. Re-queue what the state still waits for, in case the first
      // delivery died between its write and its enqueue (every voice job is idempotent).
      await deps.jobs.enqueue(pendingJobs(voice, current));
      deps.log.info('voice callback: no change', { provider: ev.provider, callId: ev.callId, kind: ev.kind });
      return;
    }
    const jobs: QueuedJob[] = [];
    if (merged.becameTerminal) jobs.push(settleJob(voice, ev.provider, ev.callId));
    for (const r of merged.newRecordings) jobs.push({ job: { kind: 'voice-recording', provider: ev.provider, callId: ev.callId, recordingId: r.id }, delaySeconds: 0 });
    for (const t of merged.newTranscripts) jobs.push(transcriptJob(ev.provider, ev.callId, t.id));
    const metrics: MetricEvent[] = [];
    if (merged.newRecordings.length && current.recordings.length === 0) metrics.push(count(METRIC.VoicemailsReceived, dims(ev.provider)));
    for (const r of merged.newRecordings) metrics.push(seconds(METRIC.VoicemailSeconds, dims(ev.provider), r.durationSeconds));
    if (!(await save(deps, voice, found, merged.state, attempt))) continue;
    deps.metrics.emit(metrics);
    await deps.jobs.enqueue(jobs);
    deps.log.info('voice callback merged', { provider: ev.provider, callId: ev.callId, kind: ev.kind, outcome: outcomeOf(merged.state), ticketId: found.ticket.id });
    return;
  }
}

/** The settle job: a terminal call with no recording by now is a missed call (counted once). */
export async function settleVoiceCall(deps: CoreDeps, provider: VoiceProvider, callId: string): Promise<void> {
  const voice = voiceOf(deps);
  for (let attempt = 1; ; attempt++) {
    const found = await voice.store.findCall(provider, callId);
    if (!found?.message.voice || erased(found)) return;
    const r = settleCall(found.message.voice);
    if (r.state === found.message.voice) return;
    if (!(await save(deps, voice, found, r.state, attempt))) continue;
    if (r.missed) {
      deps.metrics.emit([count(METRIC.MissedCalls, dims(provider))]);
      deps.log.info('missed call', { provider, callId, ticketId: found.ticket.id });
    }
    return;
  }
}

/**
 * The download job: fetch the recording (the fetcher refuses any host but the provider's own,
 * before any request), store it in the attachments bucket, attach it to the call's message.
 */
export async function downloadRecording(deps: CoreDeps, provider: VoiceProvider, callId: string, recordingId: string): Promise<void> {
  const voice = voiceOf(deps);
  const found = await voice.store.findCall(provider, callId);
  const rec = found?.message.voice?.recordings.find((r) => r.id === recordingId);
  if (!found || !rec || rec.key || rec.refused || erased(found)) return;
  let stored: { key?: string; contentType?: string; size?: number; refused?: string };
  try {
    const audio = await voice.recordings.fetch(provider, rec.url);
    const key = recordingKey(found.ticket.id, recordingId);
    await deps.attachments.put(key, audio.bytes, audio.contentType);
    stored = { key, contentType: audio.contentType, size: audio.bytes.byteLength };
  } catch (e) {
    if (!(e instanceof RecordingRefused)) throw e;
    deps.log.warn('recording refused', { provider, callId, recordingId, reason: e.reason, host: hostOf(rec.url), detail: e.message });
    stored = { refused: e.reason };
  }
  for (let attempt = 1; ; attempt++) {
    const again = attempt === 1 ? found : await voice.store.findCall(provider, callId);
    if (!again?.message.voice || erased(again)) {
      // Erased while we downloaded: the call store refuses the write; the audio must not stay either.
      if (stored.key) await discardAudio(deps, voice, stored.key, { provider, callId, recordingId });
      return;
    }
    const next = recordingStored(again.message.voice, recordingId, stored);
    if (next === again.message.voice) return;
    if (await save(deps, voice, again, next, attempt)) return;
  }
}

/** Delete audio stored for a call that was erased meanwhile (logged either way; never the caller's number). */
async function discardAudio(deps: CoreDeps, voice: VoiceDeps, key: string, ctx: { provider: VoiceProvider; callId: string; recordingId: string }): Promise<void> {
  if (!voice.objects) {
    deps.log.error('recording stored for an erased call and no eraser wired: delete it by hand', { ...ctx, key });
    return;
  }
  await voice.objects.deleteObjects([key]);
  deps.log.info('recording discarded: the call was erased during its download', { ...ctx, key });
}

/**
 * The transcript job: read the transcript file a callback named (the fetcher refuses any host but
 * the provider's own before any request, and caps the size while reading) and fill in its text.
 * A refusal is kept on the transcript (logged, never retried); anything else is retried.
 */
export async function downloadTranscript(deps: CoreDeps, provider: VoiceProvider, callId: string, transcriptId: string): Promise<void> {
  const voice = voiceOf(deps);
  const found = await voice.store.findCall(provider, callId);
  const t = found?.message.voice?.transcripts.find((x) => x.id === transcriptId);
  if (!found || !t || !transcriptPending(t) || erased(found)) return;
  let stored: { text: string } | { refused: string };
  try {
    if (!voice.recordings.fetchTranscript) throw new RecordingRefused('not_configured', `no transcript fetcher for ${provider}`);
    const text = (await voice.recordings.fetchTranscript(provider, t.url!)).trim();
    stored = text ? { text } : { refused: 'empty' };
  } catch (e) {
    if (!(e instanceof RecordingRefused)) throw e;
    deps.log.warn('transcript refused', { provider, callId, transcriptId, reason: e.reason, host: hostOf(t.url!), detail: e.message });
    stored = { refused: e.reason };
  }
  for (let attempt = 1; ; attempt++) {
    const again = attempt === 1 ? found : await voice.store.findCall(provider, callId);
    if (!again?.message.voice || erased(again)) return;
    const next = transcriptStored(again.message.voice, transcriptId, stored);
    if (next === again.message.voice) return;
    if (await save(deps, voice, again, next, attempt)) return;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

const transcriptJob = (provider: VoiceProvider, callId: string, transcriptId: string): QueuedJob => ({ job: { kind: 'voice-transcript', provider, callId, transcriptId }, delaySeconds: 0 });

/** The first callback of a call: one inbound message on channel `voice`, through the normal ingest path. */
async function openCall(deps: CoreDeps, voice: VoiceDeps, ev: CallEvent): Promise<void> {
  const state = emptyCall(ev.provider, ev.callId);
  const msg: InboundMessage = {
    provider: ev.provider,
    channel: 'voice',
    providerMessageId: ev.callId,
    // Threaded like SMS: our number and the caller's.
    threadKey: `${ev.to}|${ev.from}`,
    from: ev.from,
    to: ev.to,
    identity: phoneIdentity(ev.from),
    text: textOf(state).text,
    attachments: [],
    receivedAt: ev.receivedAt,
    ...(ev.providerAccount ? { providerAccount: ev.providerAccount } : {}),
    voice: state,
  };
  const ackSms = await ackTextFor(deps, voice, ev, msg.identity.kind === 'phone');
  const r = await ingestMessage({ ...deps, settings: { ...deps.settings, autoAck: { enabled: ackSms !== '', text: ackSms } } }, msg);
  if (!r.duplicate) deps.metrics.emit([count(METRIC.CallsReceived, dims(ev.provider))]);
}

/** The start of the clock hour (ISO): the window of the acknowledgement cap. */
const hourWindow = (now: Date): string => new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000).toISOString();

/**
 * The acknowledgement of a call: the VOICE_ACK_SMS text by SMS ('' for none). Only to a caller
 * with a phone number (`anonymous`, `Restricted`, `client:…`, SIP: none), and at most
 * VOICE_ACK_MAX_PER_HOUR per clock hour across all callers: caller ids are easily spoofed, and
 * every acknowledgement is an SMS we pay for (SMS pumping). Counted when a call is first seen.
 */
async function ackTextFor(deps: CoreDeps, voice: VoiceDeps, ev: CallEvent, phone: boolean): Promise<string> {
  const text = voice.settings.ackSms ?? '';
  if (!text) return '';
  if (!phone) {
    deps.log.info('voice acknowledgement skipped: the caller has no phone number', { provider: ev.provider, callId: ev.callId });
    return '';
  }
  const cap = voice.settings.ackMaxPerHour ?? 100;
  const allowed = cap > 0 && (await deps.store.consumeRateLimit('voice-ack#all', hourWindow(deps.clock.now()), 3600, cap));
  if (allowed) return text;
  deps.metrics.emit([count(METRIC.AutomationSuppressed, { ...dims(ev.provider), Reason: 'voice_ack_cap' })]);
  deps.log.warn('voice acknowledgement skipped: VOICE_ACK_MAX_PER_HOUR reached', { provider: ev.provider, callId: ev.callId, cap });
  return '';
}

function pendingJobs(voice: VoiceDeps, v: VoiceInfo): QueuedJob[] {
  const jobs: QueuedJob[] = [];
  if (v.status && TERMINAL.has(v.status) && !v.settled) jobs.push(settleJob(voice, v.provider, v.callId));
  for (const r of v.recordings) if (!r.key && !r.refused) jobs.push({ job: { kind: 'voice-recording', provider: v.provider, callId: v.callId, recordingId: r.id }, delaySeconds: 0 });
  for (const t of v.transcripts) if (transcriptPending(t)) jobs.push(transcriptJob(v.provider, v.callId, t.id));
  return jobs;
}

const settleJob = (voice: VoiceDeps, provider: VoiceProvider, callId: string): QueuedJob => ({
  job: { kind: 'voice-settle', provider, callId },
  // At least 15 s (a recording callback trails the completed status); SQS delays stop at 15 minutes.
  delaySeconds: Math.min(900, Math.max(15, voice.settings.settleSeconds)),
});

