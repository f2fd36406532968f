import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, type Calendar } from '../../functions/core/calendar.ts';
import { voiceGreeting, type VoiceSettings } from '../../functions/core/voice/greeting.ts';
import { emptyCall, mergeCall, outcomeOf, recordingStored, settleCall, textOf, type VoiceInfo } from '../../functions/core/voice/state.ts';
import type { CallEvent } from '../../functions/core/voice/types.ts';

const CALL = 'CA' + '1'.repeat(32);
const base = { provider: 'twilio' as const, callId: CALL, from: '+15551230000', to: '+15557650000' };
const answer: CallEvent = { ...base, receivedAt: '2026-01-05T10:00:00.000Z', kind: 'answer', status: 'ringing' };
const status: CallEvent = { ...base, receivedAt: '2026-01-05T10:01:00.000Z', kind: 'status', status: 'completed' };
const recording: CallEvent = { ...base, receivedAt: '2026-01-05T10:01:01.000Z', kind: 'recording', recording: { id: 'RE' + 'a'.repeat(32), url: 'https://api.twilio.com/r', durationSeconds: 17 } };
const transcription: CallEvent = {
  ...base,
  receivedAt: '2026-01-05T10:02:00.000Z',
  kind: 'transcription',
  transcript: { id: 'TR' + 'b'.repeat(32), text: 'Please call me back about order 42.', recordingId: 'RE' + 'a'.repeat(32) },
};

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

const run = (events: readonly CallEvent[]): VoiceInfo => events.reduce((s, e) => mergeCall(s, e).state, emptyCall('twilio', CALL));
const comparable = (v: VoiceInfo) => {
  const { rev: _rev, ...rest } = v;
  return { ...rest, text: textOf(v), outcome: outcomeOf(v) };
};

describe('voice call merge (order-independent, idempotent)', () => {
  const all = [answer, status, recording, transcription];
  const reference = comparable(settleCall(run(all)).state);

  it('every order of answer, status, recording and transcription, each repeated, ends in the same state', () => {
    expect(reference.outcome).toBe('voicemail');
    expect(reference.text).toEqual({ text: 'Please call me back about order 42.', originalText: 'Voicemail (17 s)', editedAt: transcription.receivedAt });
    for (const order of permutations(all)) {
      const once = run(order);
      // Redelivered in any order, interleaved with the settle check: nothing changes.
      const repeated = [...order].reverse().reduce((s, e) => mergeCall(s, e).state, settleCall(once).state);
      expect(comparable(repeated)).toEqual(reference);
      for (const e of all) expect(mergeCall(repeated, e).changed).toBe(false);
    }
  });

  it('a missed call: terminal, no recording by the settle check; a later recording turns it into a voicemail', () => {
    for (const order of permutations([answer, status])) {
      const before = run(order);
      expect(textOf(before).text).toBe('Incoming call');
      const settled = settleCall(before);
      expect(settled.missed).toBe(true);
      expect(textOf(settled.state).text).toBe('Missed call');
      expect(settleCall(settled.state).state).toBe(settled.state); // settles once
      const late = mergeCall(settled.state, recording);
      expect(outcomeOf(late.state)).toBe('voicemail');
      expect(textOf(late.state).text).toBe('Voicemail (17 s)');
    }
  });

  it('the status moves to a terminal state once; earlier statuses never overwrite it', () => {
    const done = run([status]);
    expect(mergeCall(done, answer).changed).toBe(false);
    expect(mergeCall(done, { ...status, status: 'busy' }).changed).toBe(false);
    expect(mergeCall(done, status).becameTerminal).toBe(false);
    expect(mergeCall(run([answer]), status).becameTerminal).toBe(true);
  });

  it('the settle check does nothing before the call is terminal', () => {
    const ringing = run([answer]);
    expect(settleCall(ringing)).toEqual({ state: ringing, missed: false });
  });

  it('a transcript before its recording: the placeholder follows when the recording arrives', () => {
    const t = run([transcription]);
    expect(textOf(t)).toMatchObject({ text: 'Please call me back about order 42.', originalText: 'Voicemail' });
    expect(textOf(mergeCall(t, recording).state).originalText).toBe('Voicemail (17 s)');
  });

  it('a transcript with no recording callback (it never came) is a voicemail, never settled as missed', () => {
    for (const order of permutations([status, transcription])) {
      const r = settleCall(run(order));
      expect(r.missed).toBe(false);
      expect(outcomeOf(r.state)).toBe('voicemail');
      expect(textOf(r.state)).toMatchObject({ text: 'Please call me back about order 42.', originalText: 'Voicemail' });
    }
  });

  it('an empty or failed transcript changes nothing', () => {
    const v = run([recording]);
    expect(mergeCall(v, { ...transcription, transcript: { id: 'TR' + 'c'.repeat(32), text: '   ' } }).changed).toBe(false);
    expect(mergeCall(v, { ...transcription, transcript: undefined } as CallEvent).changed).toBe(false);
  });

  it('a stored recording is recorded once; a refusal is final', () => {
    const v = run([recording]);
    const stored = recordingStored(v, recording.recording!.id, { key: 'voice/t/r', contentType: 'audio/wav', size: 3 });
    expect(stored.recordings[0]).toMatchObject({ key: 'voice/t/r', size: 3 });
    expect(recordingStored(stored, recording.recording!.id, { refused: 'foreign_host' })).toBe(stored);
    expect(recordingStored(v, 'RE-unknown', { key: 'x' })).toBe(v);
  });
});

describe('voiceGreeting', () => {
  const closedAtNight: Calendar = { ...ALWAYS_OPEN, isOpen: (ms: number) => new Date(ms).getUTCHours() >= 9 && new Date(ms).getUTCHours() < 17 };
  const settings: VoiceSettings = {
    greetingOpen: 'We are open',
    greetingClosed: 'We are closed',
    calendar: 'office',
    calendars: { office: closedAtNight },
    forwardTo: '+15550001111',
    maxRecordingSeconds: 90,
    replyBySms: true,
    settleSeconds: 60,
  };
  it('open hours: the open greeting and the forward number', () => {
    expect(voiceGreeting(new Date('2026-01-05T10:00:00Z'), settings)).toEqual({ open: true, text: 'We are open', forwardTo: '+15550001111', maxLengthSeconds: 90 });
  });
  it('closed hours: the closed greeting, never a forward', () => {
    expect(voiceGreeting(new Date('2026-01-05T22:00:00Z'), settings)).toEqual({ open: false, text: 'We are closed', maxLengthSeconds: 90 });
  });
  it('no calendar configured: always open', () => {
    const { calendar: _c, forwardTo: _f, ...rest } = settings;
    expect(voiceGreeting(new Date('2026-01-05T22:00:00Z'), rest)).toEqual({ open: true, text: 'We are open', maxLengthSeconds: 90 });
  });
});

describe('erasing a caller', () => {
  it('keeps the call outcome and durations, drops transcripts and recording URLs', async () => {
    const { redactMessage, redactEvent } = await import('../../functions/core/contacts.ts');
    const v = run([answer, status, recording, transcription]);
    const m = { id: 'm', ticketId: 't', direction: 'inbound' as const, automated: false, text: 'Please call me back', attachments: [], from: base.from, to: base.to, createdAt: answer.receivedAt, voice: v };
    const r = redactMessage(m, '2026-01-06T00:00:00Z');
    expect(r.voice).toMatchObject({ status: 'completed', transcripts: [], recordings: [{ id: recording.recording!.id, durationSeconds: 17 }] });
    // The revision moves on: a download or callback that read the call before the erase cannot write it back.
    expect(r.voice!.rev).toBe(v.rev + 1);
    expect(JSON.stringify(r)).not.toContain('call me back');
    expect(JSON.stringify(r)).not.toContain('api.twilio.com');
    // The erase deletes where the download job puts the audio, stored yet or not.
    const { objectKeysOf } = await import('../../functions/core/contacts.ts');
    expect(objectKeysOf(m)).toEqual([`attachments/voice/t/${recording.recording!.id}`]);
    const e = redactEvent({ id: 'e', ticketId: 't', at: answer.receivedAt, actor: 'agent:ana', type: 'callback.requested', number: base.from });
    expect(JSON.stringify(e)).not.toContain(base.from);
  });
});
