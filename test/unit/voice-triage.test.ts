/** A voicemail's transcript triaged like a message (core/voice/triage.ts, through the voice service with in-memory ports). */
import { detectSignals } from '../../functions/core/signals/index.ts';
import { describe, expect, it } from 'vitest';
import { redactMessage, redactTicket } from '../../functions/core/contacts.ts';
import { ConflictError } from '../../functions/core/errors.ts';
import type { ChangeRecord, CoreDeps, IngestWrite, TicketStore } from '../../functions/core/ports.ts';
import { compileRules } from '../../functions/core/rules/evaluate.ts';
import type { Condition, Rule } from '../../functions/core/rules/schema.ts';
import { applyCallEvent, downloadTranscript } from '../../functions/core/services/voice.ts';
import type { Message, QueuedJob, Ticket } from '../../functions/core/types.ts';
import type { StoredCall, VoiceStore } from '../../functions/core/voice/ports.ts';
import { contentRules, triageTranscript } from '../../functions/core/voice/triage.ts';
import type { CallEvent } from '../../functions/core/voice/types.ts';
import { testConfig } from '../helpers/fixtures.ts';

const config = testConfig();
const at = '2026-01-05T10:00:00.000Z';
const CALL = 'CA' + '1'.repeat(32);
const base = { provider: 'twilio' as const, callId: CALL, from: '+15551230000', to: '+15557650000' };
const answer: CallEvent = { ...base, receivedAt: at, kind: 'answer', status: 'ringing' };
const SAID = 'Please call me back about my order, it never arrived and I need it this week.';
const transcription: CallEvent = { ...base, receivedAt: '2026-01-05T10:02:00.000Z', kind: 'transcription', transcript: { id: 'TR' + 'b'.repeat(32), text: SAID } };

const rule = (id: string, conditions: { all?: Condition[]; any?: Condition[] }, over: Partial<Rule> = {}): Rule => ({
  id,
  name: `name-${id}`,
  enabled: true,
  on: ['message.received'],
  conditions,
  actions: [
    { type: 'addTags', value: ['callback-requested'] },
    { type: 'setPriority', value: 'high' },
  ],
  stop: false,
  position: 0,
  version: 2,
  createdAt: at,
  updatedAt: at,
  ...over,
});
const voiceIs: Condition = { field: 'channel', op: 'is', value: 'voice' };
const callMeBack: Condition = { field: 'text', op: 'contains', value: ['call me back'] };
const CALLBACK = rule('r-callback', { all: [voiceIs, callMeBack] });

describe('contentRules', () => {
  it('keeps the rules with a condition on text, subject, language, sentiment or abusive (in all or any), drops the rest', () => {
    const rules = compileRules([
      rule('text', { all: [voiceIs, callMeBack] }, { position: 0 }),
      rule('subject-any', { any: [voiceIs, { field: 'subject', op: 'contains', value: ['x'] }] }, { position: 1 }),
      rule('language', { all: [{ field: 'language', op: 'is', value: 'en' }] }, { position: 2 }),
      rule('sentiment', { all: [{ field: 'sentiment', op: 'lt', value: 0 }] }, { position: 3 }),
      rule('abusive', { all: [{ field: 'abusive', op: 'is', value: true }] }, { position: 4 }),
      rule('channel', { all: [voiceIs, { field: 'provider', op: 'is', value: 'twilio' }] }, { position: 5 }),
      rule('ticket', { all: [{ field: 'status', op: 'is', value: 'open' }, { field: 'tags', op: 'is', value: 'vip' }, { field: 'priority', op: 'is', value: 'low' }] }, { position: 6 }),
      rule('none', {}, { position: 7 }),
    ]);
    expect(contentRules(rules).map((r) => r.rule.id)).toEqual(['text', 'subject-any', 'language', 'sentiment', 'abusive']);
  });
});

describe('triageTranscript (pure)', () => {
  const ticket = { id: 'T1', status: 'open', priority: 'normal', channel: 'voice', provider: 'twilio', tags: ['missed-call'], language: 'und', version: 3 } as unknown as Ticket;
  const message = { id: 'M1', ticketId: 'T1', direction: 'inbound', automated: false, text: SAID, from: base.from, createdAt: at, threadedBy: 'new-ticket', attachments: [] } as unknown as Message;
  const triage = (o: { message?: Message; languageFromThis?: boolean; rules?: Rule[] } = {}) =>
    triageTranscript({ message: o.message ?? message, ticket, languageFromThis: o.languageFromThis ?? true, rules: compileRules(o.rules ?? [CALLBACK]), settings: config, at: '2026-01-05T10:05:00.000Z', newId: () => 'id', signals: detectSignals({ text: (o.message ?? message).text }) });

  it('signals from the words, the ticket language from them, the content rule applied as ingest does', () => {
    const t = triage({ rules: [CALLBACK, rule('channel-only', { all: [voiceIs] }, { position: 1, actions: [{ type: 'addTags', value: ['again'] }] })] });
    expect(t.signals.language).toBe('en');
    expect(t.ticket).toMatchObject({ language: 'en', priority: 'high', tags: ['missed-call', 'callback-requested'] });
    expect(t.evaluation.fired.map((f) => f.rule)).toEqual(['r-callback']);
    expect(t.drafts.map((d) => [d.type, d.actor])).toEqual([
      ['rule.applied', 'rule:r-callback'],
      ['priority.changed', 'rule:r-callback'],
      ['tags.changed', 'rule:r-callback'],
      ['sla.policy', 'rule:r-callback'],
    ]);
    expect(t.drafts.every((d) => d.at === '2026-01-05T10:05:00.000Z')).toBe(true);
  });

  it('ticket.created rules run only when the call opened the ticket; the language stays when the call did not give it', () => {
    const created = rule('created', { all: [callMeBack] }, { on: ['ticket.created'] });
    expect(triage({ rules: [created] }).evaluation.fired).toHaveLength(1);
    const appended = { ...message, threadedBy: 'thread-key' } as Message;
    const t = triage({ message: appended, languageFromThis: false, rules: [created] });
    expect(t.evaluation.fired).toHaveLength(0);
    expect(t.ticket).toBe(ticket);
    expect(t.drafts).toEqual([]);
  });

  it('a content rule that matched what the rules last ran on (the placeholder) already fired then: not run again', () => {
    const mild = rule('mild', { all: [{ field: 'sentiment', op: 'gt', value: -0.5 }] }, { actions: [{ type: 'addNote', value: 'check' }] });
    const previous = { text: 'Incoming call', signals: { language: 'und', sentiment: 0, abusive: false } };
    const t = triageTranscript({ message, ticket, languageFromThis: true, rules: compileRules([mild, { ...CALLBACK, position: 1 }]), settings: config, at, newId: () => 'id', signals: detectSignals({ text: message.text }), previous });
    expect(t.evaluation.fired.map((f) => f.rule)).toEqual(['r-callback']);
    expect(t.jobs.filter((j) => j.job.kind === 'rule-note')).toEqual([]);
    // Without it (no signals stored for the placeholder), both run.
    expect(triage({ rules: [mild, { ...CALLBACK, position: 1 }] }).evaluation.fired.map((f) => f.rule)).toEqual(['mild', 'r-callback']);
  });
});

/** In-memory ports: ingest (dedupe by call id), a rev- and version-guarded call store that refuses erased items, rules. */
function harness(rules: Rule[]) {
  const tickets = new Map<string, Ticket>();
  const messages = new Map<string, Message>();
  const changes: ChangeRecord[] = [];
  const queued: QueuedJob[] = [];
  let n = 0;
  const get = (id: string): StoredCall | undefined => {
    const m = messages.get(id);
    return m && { message: m, ticket: tickets.get(m.ticketId)! };
  };
  const store = {
    getIngestContext: async (msg: { providerMessageId: string }) => {
      const c = get(msg.providerMessageId);
      return c ? { duplicateOf: { ticketId: c.ticket.id, messageId: c.message.id, pendingJobs: [] } } : {};
    },
    commitIngest: async (w: IngestWrite) => {
      messages.set(w.message.providerMessageId!, w.message);
      tickets.set(w.ticket.id, w.ticket);
    },
    getMessages: async (ticketId: string) => [...messages.values()].filter((m) => m.ticketId === ticketId),
  } as unknown as TicketStore;
  const voiceStore: VoiceStore = {
    findCall: async (_p, id) => get(id),
    saveCall: async (a) => {
      const c = get(a.message.providerMessageId!)!;
      if ((c.message as { erasedAt?: string }).erasedAt || (c.ticket as { erasedAt?: string }).erasedAt) throw new ConflictError('erased');
      if ((c.message.voice?.rev ?? 0) !== a.expectedRev) throw new ConflictError('rev');
      if (a.ticket && a.ticket.expectedVersion !== c.ticket.version) throw new ConflictError('version');
      messages.set(a.message.providerMessageId!, a.message);
      if (a.ticket) {
        tickets.set(a.ticket.ticket.id, a.ticket.ticket);
        changes.push(a.ticket.change);
      }
    },
  };
  const deps = {
    store,
    rules: { active: async () => compileRules(rules) },
    jobs: { enqueue: async (jobs: readonly QueuedJob[]) => void queued.push(...jobs) },
    metrics: { emit: () => undefined },
    clock: { now: () => new Date('2026-01-05T10:05:00Z') },
    ids: { newId: () => `01J${String(++n).padStart(23, '0')}`, token: () => 'tok' },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    settings: { sla: config.sla, autoAck: { enabled: false, text: '' }, automationRateLimitPerHour: 5, dedupeTtlDays: 7, cursorKey: 'k', followUps: config.followUps },
    voice: {
      store: voiceStore,
      recordings: { fetch: async () => ({ bytes: new Uint8Array([1]), contentType: 'audio/x-wav' }), fetchTranscript: async () => SAID },
      settings: { ...config.voice, settleSeconds: 60 },
    },
  } as unknown as CoreDeps;
  const events = () => changes.flatMap((c) => c.events);
  return { deps, get: () => get(CALL)!, set: (c: StoredCall) => (messages.set(CALL, c.message), tickets.set(c.ticket.id, c.ticket)), events, queued };
}

describe('transcript triage through the voice service', () => {
  it('Twilio: the transcript fires the content rule once (one rule.applied), sets signals and the ticket language; a repeat changes nothing', async () => {
    const placeholderToo = rule('any-mood', { all: [voiceIs, { field: 'sentiment', op: 'gt', value: -0.9 }] }, { position: 2, actions: [{ type: 'addTags', value: ['voice-any'] }] });
    const h = harness([CALLBACK, rule('note', { all: [callMeBack] }, { position: 1, actions: [{ type: 'addNote', value: 'call them' }] }), placeholderToo]);
    await applyCallEvent(h.deps, answer);
    // At answer time only the rule matching the placeholder fires.
    expect(h.get().ticket).toMatchObject({ priority: 'normal', tags: ['voice-any'], language: 'und' });
    await applyCallEvent(h.deps, transcription);
    const { ticket, message } = h.get();
    expect(ticket).toMatchObject({ priority: 'high', tags: ['voice-any', 'callback-requested'], language: 'en' });
    expect(message.signals?.language).toBe('en');
    expect(message.voice!.transcripts[0]!.triaged).toBe(true);
    expect(h.events().filter((e) => e.type === 'rule.applied').map((e) => e.actor)).toEqual(['rule:r-callback']);
    expect(h.queued.filter((q) => q.job.kind === 'rule-note')).toHaveLength(1);
    const snapshot = JSON.stringify(h.get());
    await applyCallEvent(h.deps, transcription);
    await applyCallEvent(h.deps, { ...transcription, receivedAt: '2026-01-05T10:03:00.000Z' });
    expect(JSON.stringify(h.get())).toBe(snapshot);
    expect(h.events().filter((e) => e.type === 'rule.applied')).toHaveLength(1);
    expect(h.queued.filter((q) => q.job.kind === 'rule-note')).toHaveLength(1);
  });

  it('a lost race is retried and still triages once', async () => {
    const r = harness([CALLBACK]);
    await applyCallEvent(r.deps, answer);
    // Two lost writes on the transcript's save, then it lands.
    const store = (r.deps.voice as { store: VoiceStore }).store;
    const save = store.saveCall.bind(store);
    let lose = 2;
    (store as { saveCall: VoiceStore['saveCall'] }).saveCall = async (a) => {
      if (lose-- > 0) throw new ConflictError('lost');
      return save(a);
    };
    await applyCallEvent(r.deps, transcription);
    expect(r.get().ticket).toMatchObject({ priority: 'high', tags: ['callback-requested'] });
    expect(r.events().filter((e) => e.type === 'rule.applied')).toHaveLength(1);
  });

  it('Vonage: the fetched transcript file is triaged the same way', async () => {
    const h = harness([CALLBACK]);
    const v = { ...answer, provider: 'vonage' as const };
    await applyCallEvent(h.deps, v);
    await applyCallEvent(h.deps, { ...v, kind: 'transcription', status: undefined, transcript: { id: 'tx-1', text: '', url: 'https://api.nexmo.com/v1/files/x' } } as unknown as CallEvent);
    expect(h.get().ticket.tags).toEqual([]);
    await downloadTranscript(h.deps, 'vonage', CALL, 'tx-1');
    expect(h.get().ticket).toMatchObject({ priority: 'high', tags: ['callback-requested'], language: 'en' });
    expect(h.get().message.signals?.language).toBe('en');
  });

  it('an erased call: the transcript never lands, no rule runs on it', async () => {
    const h = harness([CALLBACK]);
    await applyCallEvent(h.deps, answer);
    const c = h.get();
    h.set({ ticket: redactTicket(c.ticket, at) as Ticket, message: redactMessage(c.message, at) as Message });
    await applyCallEvent(h.deps, transcription);
    expect(JSON.stringify(h.get())).not.toContain('call me back');
    expect(h.events()).toEqual([]);
  });
});
