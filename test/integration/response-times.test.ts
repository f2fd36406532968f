/**
 * Response times and SLAs end to end, through the local stack's real HTTP routes, worker loop,
 * DynamoDB Local and fauxqs: the event log, SLA targets and verdicts, metric samples (exactly once),
 * business calendars, the response-time report, event pagination and SLA configuration errors.
 *
 * Each scenario that counts metric samples runs on a stack of its own, so every sample the stack's
 * RecordingMetrics holds belongs to the scenario (samples carry no ticket id).
 */
import { randomBytes } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaMessagePayload, metaStatusPayload, signedMeta } from '../../bin/simulate.ts';
import { buildConfig, ConfigError } from '../../functions/config.ts';
import type { MetricEvent } from '../../functions/core/metrics.ts';
import { api, deliver, eventually, READ_ONLY_KEY, REPORTS_KEY, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

type Json = Record<string, any>;

const policies = (list: unknown[]) => JSON.stringify(list);
const QUIET = { AUTO_ACK_ENABLED: 'false' };

// --- helpers on one stack -----------------------------------------------------------------------

async function openTicket(stack: TestStack, from: string, body = 'help please'): Promise<string> {
  expect((await sendSms(stack, { from, body })).status).toBe(200);
  const [t] = await ticketsOf(stack, from);
  expect(t, `a ticket for ${from}`).toBeDefined();
  return t!['id'] as string;
}

const getTicket = async (stack: TestStack, id: string): Promise<Json> => {
  const r = await api(stack, 'GET', `/v1/tickets/${id}`);
  expect(r.status).toBe(200);
  return r.json.ticket;
};
const messagesOf = async (stack: TestStack, id: string): Promise<Json[]> => (await api(stack, 'GET', `/v1/tickets/${id}`)).json.messages;
const eventsOf = async (stack: TestStack, id: string): Promise<Json[]> => {
  const r = await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`);
  expect(r.status).toBe(200);
  expect(r.json.nextCursor).toBeNull();
  return r.json.events;
};
const patch = async (stack: TestStack, id: string, body: Json) => {
  const r = await api(stack, 'PATCH', `/v1/tickets/${id}`, body);
  expect(r.status, r.text).toBe(200);
  return r.json.ticket as Json;
};

/** Post an agent reply and wait until its delivery outcome (`sent` unless told) is recorded. */
async function replyAndWait(stack: TestStack, id: string, text: string, outcome: 'sent' | 'failed' = 'sent'): Promise<Json> {
  const r = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text });
  expect(r.status, r.text).toBe(201);
  const messageId = r.json.message.id as string;
  return eventually(
    async () => (await messagesOf(stack, id)).find((m) => m['id'] === messageId && m['deliveryStatus'] === outcome),
    15_000,
    `reply ${messageId} to be ${outcome}`,
  );
}

const samples = (stack: TestStack, name: string, from = 0): MetricEvent[] => stack.metrics.events.slice(from).filter((e) => e.name === name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const plusSeconds = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString();

/** Run `fn` on a stack of its own, stopped afterwards. */
async function withStack<T>(env: Record<string, string>, fn: (stack: TestStack) => Promise<T>): Promise<T> {
  const stack = await startTestStack(env);
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

// --- a shared stack for the scenarios that count no samples -------------------------------------

const BASIC_POLICIES = policies([
  { name: 'urgent', match: { priorities: ['urgent'] }, targets: { firstReply: 60 } },
  { name: 'standard', targets: { firstReply: 3600, nextReply: 3600 } },
]);

let basic: TestStack;
beforeAll(async () => {
  basic = await startTestStack({ SLA_POLICIES: BASIC_POLICIES });
});
afterAll(async () => {
  await basic?.stop();
});

describe('response times and SLAs', () => {
  it('1. a new SMS ticket: the event log holds sla.policy and message.received with actors, and the first-reply target is active', async () => {
    const from = uniquePhone();
    const id = await openTicket(basic, from, 'new ticket');
    const ticket = await getTicket(basic, id);
    const events = await eventsOf(basic, id);
    // The two events of the ticket's creation, both at the message's receipt (their relative order: see 1b).
    const creation = events.filter((e) => e['at'] === ticket.createdAt);
    expect(creation.map((e) => e['type']).sort()).toEqual(['message.received', 'sla.policy']);
    const policy = creation.find((e) => e['type'] === 'sla.policy');
    const received = creation.find((e) => e['type'] === 'message.received');
    expect(policy).toMatchObject({ ticketId: id, actor: 'automation', at: ticket.createdAt, policy: 'standard', calendar: null });
    const inbound = (await messagesOf(basic, id)).find((m) => m['direction'] === 'inbound');
    expect(received).toMatchObject({ ticketId: id, actor: 'customer', at: ticket.createdAt, messageId: inbound!['id'], channel: 'sms', countsAsCustomerMessage: true });
    for (const e of events) expect(e).toEqual(expect.objectContaining({ id: expect.any(String), ticketId: id, at: expect.any(String), actor: expect.any(String) }));
    // oldest first; nothing before the creation
    expect(events.map((e) => e['at'])).toEqual([...events.map((e) => e['at'])].sort());
    expect(events[0]!['at']).toBe(ticket.createdAt);

    const due = plusSeconds(ticket.createdAt, 3600);
    expect(ticket.sla).toEqual({
      policy: 'standard',
      calendar: null,
      targets: {
        firstReply: { status: 'active', dueAt: due, fulfilledAt: null, breachedAt: null },
        nextReply: { status: 'none', dueAt: null, fulfilledAt: null, breachedAt: null },
        resolution: { status: 'none', dueAt: null, fulfilledAt: null, breachedAt: null },
      },
    });
    expect(ticket.metrics).toMatchObject({ firstReply: null, nextReplies: [], firstResolution: null, fullResolution: null, reopens: 0 });
    expect(ticket.slaDueAt).toBe(due);
    const [item] = await ticketsOf(basic, from);
    expect(item!['slaDueAt']).toBe(due);
  });

  // Events recorded together share `at`; their ids are monotonic ULIDs, so the log keeps their order.
  it('1b. a new SMS ticket lists sla.policy before message.received, every time', async () => {
    for (let i = 0; i < 8; i++) {
      const id = await openTicket(basic, uniquePhone(), `new ticket ${i}`);
      const events = await eventsOf(basic, id);
      expect(events.map((e) => e['type']).slice(0, 2), `ticket ${i}: ${JSON.stringify(events.map((e) => [e['type'], e['at'], e['id']]))}`).toEqual([
        'sla.policy',
        'message.received',
      ]);
    }
  });

  it('2. an agent reply counts only once the provider accepted it; FirstResponseTime once per ticket; a refused reply never counts', async () => {
    await withStack({ SLA_POLICIES: policies([{ name: 'standard', targets: { firstReply: 3600 } }]), AUTO_ACK_TEXT: 'Got it ({ticket}).' }, async (stack) => {
      const from = uniquePhone();
      const id = await openTicket(stack, from);
      // The automated acknowledgement is sent, and is no response.
      await eventually(async () => (await messagesOf(stack, id)).find((m) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'the ack');
      let t = await getTicket(stack, id);
      expect(t).toMatchObject({ status: 'open', firstResponseAt: null });
      expect(t.metrics.firstReply).toBeNull();
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(0);

      // The provider is down: the reply is queued and tried, but nothing counts yet.
      stack.providerStub.status = 503;
      let replyId: string;
      try {
        const r = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'On it', author: 'ana' });
        expect(r.status).toBe(201);
        replyId = r.json.message.id;
        expect(r.json.message.deliveryStatus).toBe('queued');
        await eventually(async () => stack.providerStub.requests.some((q) => q.form.get('To') === from && q.form.get('Body') === 'On it'), 15_000, 'a send attempt');
        await sleep(200);
        t = await getTicket(stack, id);
        expect(t).toMatchObject({ status: 'open', firstResponseAt: null });
        expect(t.metrics.firstReply).toBeNull();
        expect(t.sla.targets.firstReply.status).toBe('active');
        expect(samples(stack, 'FirstResponseTime')).toHaveLength(0);
        const types = (await eventsOf(stack, id)).map((e) => e['type']);
        expect(types).toContain('reply.queued');
        expect(types).not.toContain('reply.sent');
      } finally {
        stack.providerStub.status = 201;
      }
      // The provider accepts it on a retry: now it is the first response.
      t = await eventually(async () => {
        const x = await getTicket(stack, id);
        return x.firstResponseAt ? x : undefined;
      }, 15_000, 'the first response');
      expect(t.status).toBe('pending');
      const frt = samples(stack, 'FirstResponseTime');
      expect(frt).toHaveLength(1);
      expect(frt[0]).toEqual({ name: 'FirstResponseTime', unit: 'Seconds', value: expect.any(Number), dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] });
      expect(t.metrics.firstReply.calendar).toBeCloseTo(frt[0]!.value, 6);
      expect(t.metrics.firstReply.business).toBeNull();
      expect(frt[0]!.value).toBeCloseTo((Date.parse(t.firstResponseAt) - Date.parse(t.createdAt)) / 1000, 3);
      expect(t.sla.targets.firstReply).toMatchObject({ status: 'fulfilled', fulfilledAt: t.firstResponseAt, breachedAt: null });
      const events = await eventsOf(stack, id);
      const sent = events.filter((e) => e['type'] === 'reply.sent');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ messageId: replyId!, actor: 'agent:ana', at: t.firstResponseAt });
      expect(events.filter((e) => e['type'] === 'status.changed')).toEqual([expect.objectContaining({ from: 'open', to: 'pending', actor: 'agent:ana' })]);
      expect(samples(stack, 'SlaAttained')).toEqual([expect.objectContaining({ value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } })]);

      // A second reply and a note: still one FirstResponseTime for this ticket, and firstResponseAt stays.
      await replyAndWait(stack, id, 'More news');
      const note = await api(stack, 'POST', `/v1/tickets/${id}/notes`, { text: 'internal' });
      expect(note.status).toBe(201);
      await sleep(1500); // a few worker cycles (and any redelivery)
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(1);
      expect(samples(stack, 'NextResponseTime')).toHaveLength(0);
      expect((await getTicket(stack, id)).firstResponseAt).toBe(t.firstResponseAt);

      // A reply the provider refuses does not count and leaves the ticket open.
      const other = uniquePhone();
      const id2 = await openTicket(stack, other);
      await eventually(async () => (await messagesOf(stack, id2)).find((m) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'the ack');
      stack.providerStub.status = 400;
      try {
        const failed = await replyAndWait(stack, id2, 'to a bad number', 'failed');
        expect(failed['deliveryError']).toContain('21211');
      } finally {
        stack.providerStub.status = 201;
      }
      const n2 = await api(stack, 'POST', `/v1/tickets/${id2}/notes`, { text: 'a note is no response' });
      expect(n2.status).toBe(201);
      await sleep(500);
      const t2 = await getTicket(stack, id2);
      expect(t2).toMatchObject({ status: 'open', firstResponseAt: null });
      expect(t2.metrics.firstReply).toBeNull();
      expect(t2.sla.targets.firstReply.status).toBe('active');
      const types2 = (await eventsOf(stack, id2)).map((e) => e['type']);
      expect(types2).toEqual(expect.arrayContaining(['reply.queued', 'reply.failed', 'note.added', 'automated.sent']));
      expect(types2).not.toContain('reply.sent');
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(1);
    });
  });

  it('3. a late reply breaches at the due time (SlaBreached once, SlaAttained 0); an in-time one is fulfilled (SlaAttained 1)', async () => {
    await withStack({ SLA_POLICIES: policies([{ name: 'standard', targets: { firstReply: 10 } }]), ...QUIET }, async (stack) => {
      // in time
      const onTime = await openTicket(stack, uniquePhone());
      await replyAndWait(stack, onTime, 'quick');
      const a = await eventually(async () => {
        const x = await getTicket(stack, onTime);
        return x.firstResponseAt ? x : undefined;
      }, 10_000, 'first response');
      expect(a.sla.targets.firstReply).toMatchObject({ status: 'fulfilled', fulfilledAt: a.firstResponseAt, breachedAt: null });
      expect(samples(stack, 'SlaAttained')).toEqual([{ name: 'SlaAttained', unit: 'Count', value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } }]);
      expect(samples(stack, 'SlaBreached')).toHaveLength(0);
      const aEvents = await eventsOf(stack, onTime);
      expect(aEvents.filter((e) => e['type'] === 'sla.fulfilled')).toEqual([expect.objectContaining({ target: 'firstReply', withinTarget: true, dueAt: a.sla.targets.firstReply.dueAt })]);

      // late: the clock moves past the due time before the agent replies
      const late = await openTicket(stack, uniquePhone());
      const before = await getTicket(stack, late);
      const dueAt = before.sla.targets.firstReply.dueAt as string;
      expect(dueAt).toBe(plusSeconds(before.createdAt, 10));
      stack.setNow(plusSeconds(dueAt, 20));
      await replyAndWait(stack, late, 'sorry for the wait');
      const b = await eventually(async () => {
        const x = await getTicket(stack, late);
        return x.firstResponseAt ? x : undefined;
      }, 10_000, 'late first response');
      expect(b.sla.targets.firstReply).toMatchObject({ status: 'breached', dueAt, breachedAt: dueAt, fulfilledAt: b.firstResponseAt });
      expect(b.status).toBe('pending');
      expect(b.metrics.firstReply.calendar).toBeGreaterThan(30);
      const breached = samples(stack, 'SlaBreached');
      expect(breached).toEqual([{ name: 'SlaBreached', unit: 'Count', value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } }]);
      const attained = samples(stack, 'SlaAttained');
      expect(attained.map((e) => e.value).sort()).toEqual([0, 1]);
      for (const e of attained) expect(e.dimensions).toEqual({ Channel: 'sms', Target: 'firstReply' });
      const bEvents = await eventsOf(stack, late);
      expect(bEvents.filter((e) => e['type'] === 'sla.breached')).toEqual([
        expect.objectContaining({ target: 'firstReply', at: dueAt, dueAt, actor: 'automation' }),
      ]);
      expect(bEvents.filter((e) => e['type'] === 'sla.fulfilled')).toEqual([expect.objectContaining({ target: 'firstReply', withinTarget: false, dueAt })]);
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(2);
    });
  });

  it('4. with no reply the worker records a warning, then the breach once, at the due time, however often the timer runs', async () => {
    await withStack({ SLA_POLICIES: policies([{ name: 'standard', targets: { firstReply: 3 }, warnBefore: 2 }]), ...QUIET }, async (stack) => {
      const id = await openTicket(stack, uniquePhone());
      const created = await getTicket(stack, id);
      const dueAt = created.sla.targets.firstReply.dueAt as string;
      expect(dueAt).toBe(plusSeconds(created.createdAt, 3));
      // the warning, 2 s ahead of the due time
      const warning = await eventually(async () => (await eventsOf(stack, id)).find((e) => e['type'] === 'sla.warning'), 10_000, 'the warning');
      expect(warning).toMatchObject({ target: 'firstReply', at: plusSeconds(dueAt, -2), dueAt, actor: 'automation' });
      expect(samples(stack, 'SlaWarning')).toEqual([{ name: 'SlaWarning', unit: 'Count', value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } }]);
      const t = await eventually(async () => {
        const x = await getTicket(stack, id);
        return x.sla.targets.firstReply.status === 'breached' ? x : undefined;
      }, 15_000, 'the timer breach');
      expect(t.sla.targets.firstReply).toEqual({ status: 'breached', dueAt, breachedAt: dueAt, fulfilledAt: null });
      expect(t.status).toBe('open');
      expect(t.slaDueAt).toBeNull();
      // SQS redelivers the timer (twice) and the worker runs a few more cycles.
      for (const timer of [plusSeconds(dueAt, 1), plusSeconds(dueAt, 1), plusSeconds(dueAt, -2)]) {
        await stack.clients.sqs.send(
          new SendMessageCommand({
            QueueUrl: stack.queues.followUp.url,
            MessageBody: JSON.stringify({ kind: 'sla-check', ticketId: id, dueAt: timer }),
            MessageAttributes: { kind: { DataType: 'String', StringValue: 'sla-check' } },
          }),
        );
      }
      await sleep(2500);
      const events = await eventsOf(stack, id);
      const breaches = events.filter((e) => e['type'] === 'sla.breached');
      expect(breaches).toEqual([expect.objectContaining({ type: 'sla.breached', target: 'firstReply', at: dueAt, dueAt, actor: 'automation', ticketId: id })]);
      expect(samples(stack, 'SlaBreached')).toEqual([{ name: 'SlaBreached', unit: 'Count', value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } }]);
      expect(samples(stack, 'SlaAttained')).toEqual([expect.objectContaining({ value: 0, dimensions: { Channel: 'sms', Target: 'firstReply' } })]);
      expect(samples(stack, 'SlaWarning')).toHaveLength(1);
      expect(events.filter((e) => e['type'] === 'sla.warning')).toHaveLength(1);
      // A reply after the breach is measured, but no second verdict.
      await replyAndWait(stack, id, 'finally');
      await eventually(async () => ((await getTicket(stack, id)).firstResponseAt ? true : undefined), 10_000, 'first response');
      expect(samples(stack, 'SlaBreached')).toHaveLength(1);
      expect(samples(stack, 'SlaAttained')).toHaveLength(1);
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(1);
      expect((await eventsOf(stack, id)).filter((e) => e['type'] === 'sla.breached')).toHaveLength(1);
    });
  });

  it('5. reopen by the customer starts a next-reply target; resolve/reopen/resolve measures first resolution once; closing measures full resolution and waits once', async () => {
    await withStack({ SLA_POLICIES: policies([{ name: 'standard', targets: { firstReply: 3600, nextReply: 1800, resolution: 86_400 } }]), ...QUIET }, async (stack) => {
      // Reopened by the customer's message
      const from = uniquePhone();
      const id = await openTicket(stack, from, 'first');
      let mark = stack.metrics.events.length;
      await patch(stack, id, { status: 'resolved' });
      expect(samples(stack, 'FirstResolutionTime', mark)).toHaveLength(1);
      let t = await getTicket(stack, id);
      expect(t.sla.targets.firstReply.status).toBe('cancelled');
      expect(t.sla.targets.resolution.status).toBe('fulfilled');
      mark = stack.metrics.events.length;
      expect((await sendSms(stack, { from, body: 'it broke again' })).status).toBe(200);
      t = await getTicket(stack, id);
      expect((await ticketsOf(stack, from)).map((x) => x['id'])).toEqual([id]);
      expect(t.status).toBe('open');
      expect(t.reopenCount).toBe(1);
      expect(t.metrics.reopens).toBe(1);
      const received = (await eventsOf(stack, id)).filter((e) => e['type'] === 'message.received').at(-1)!;
      expect(t.sla.targets.nextReply).toEqual({ status: 'active', dueAt: plusSeconds(received['at'], 1800), fulfilledAt: null, breachedAt: null });
      expect(t.slaDueAt).toBe(plusSeconds(received['at'], 1800));
      expect(samples(stack, 'TicketsReopened', mark)).toEqual([
        { name: 'TicketsReopened', unit: 'Count', value: 1, dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] },
      ]);
      expect(samples(stack, 'FirstResolutionTime', mark)).toHaveLength(0);
      // the provider retries the same webhook: no second message, no second reopen
      const again = (await ticketsOf(stack, from))[0]!;
      const lastInbound = (await messagesOf(stack, id)).filter((m) => m['direction'] === 'inbound').at(-1)!;
      expect((await sendSms(stack, { from, body: 'it broke again', sid: lastInbound['providerMessageId'] })).status).toBe(200);
      expect((await getTicket(stack, id)).metrics.reopens).toBe(1);
      expect((await ticketsOf(stack, from))[0]!['messageCount']).toBe(again['messageCount']);
      expect(samples(stack, 'TicketsReopened', mark)).toHaveLength(1);
      const reopenEvents = (await eventsOf(stack, id)).filter((e) => e['type'] === 'ticket.reopened');
      expect(reopenEvents).toEqual([expect.objectContaining({ by: 'message', actor: 'customer' })]);
      // the next reply answers the cycle
      await replyAndWait(stack, id, 'fixed now');
      t = await eventually(async () => {
        const x = await getTicket(stack, id);
        return x.sla.targets.nextReply.status === 'fulfilled' ? x : undefined;
      }, 10_000, 'next reply');
      expect(samples(stack, 'NextResponseTime', mark)).toHaveLength(1);
      expect(t.metrics.nextReplies).toHaveLength(1);
      expect(t.metrics.nextReplies[0].calendar).toBeCloseTo(samples(stack, 'NextResponseTime', mark)[0]!.value, 6);
      expect(samples(stack, 'FirstResponseTime', mark)).toHaveLength(1); // the first counting reply, even after a reopen

      // resolve -> PATCH open -> resolve: one FirstResolutionTime; close: full resolution and waits once
      const other = uniquePhone();
      const id2 = await openTicket(stack, other);
      mark = stack.metrics.events.length;
      const r1 = await patch(stack, id2, { status: 'resolved' });
      await patch(stack, id2, { status: 'open' });
      t = await getTicket(stack, id2);
      expect(t.metrics.reopens).toBe(1);
      expect(t.sla.targets.nextReply.status).toBe('none'); // a reopen by PATCH starts no clock
      expect((await eventsOf(stack, id2)).filter((e) => e['type'] === 'ticket.reopened')).toEqual([expect.objectContaining({ by: 'patch', actor: 'api:agent' })]);
      await patch(stack, id2, { status: 'resolved' });
      const first = samples(stack, 'FirstResolutionTime', mark);
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ unit: 'Seconds', dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] });
      expect(samples(stack, 'TicketsReopened', mark)).toHaveLength(1);
      t = await getTicket(stack, id2);
      expect(t.metrics.firstResolution.calendar).toBeCloseTo(first[0]!.value, 6);
      expect(first[0]!.value).toBeCloseTo((Date.parse(r1.resolvedAt) - Date.parse(t.createdAt)) / 1000, 3);
      expect(samples(stack, 'FullResolutionTime', mark)).toHaveLength(0);

      const closed = await patch(stack, id2, { status: 'closed' });
      expect(closed.status).toBe('closed');
      await patch(stack, id2, { status: 'closed' }); // no change, no second sample
      expect((await api(stack, 'PATCH', `/v1/tickets/${id2}`, { status: 'open' })).status).toBe(409);
      await sleep(300);
      const full = samples(stack, 'FullResolutionTime', mark);
      const requesterWait = samples(stack, 'RequesterWaitTime', mark);
      expect(full).toHaveLength(1);
      expect(requesterWait).toHaveLength(1);
      expect(samples(stack, 'AgentWaitTime', mark)).toHaveLength(1);
      expect(samples(stack, 'FirstResolutionTime', mark)).toHaveLength(1);
      for (const e of [...full, ...requesterWait]) expect(e).toMatchObject({ unit: 'Seconds', dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] });
      t = await getTicket(stack, id2);
      expect(t.metrics.fullResolution.calendar).toBeCloseTo(full[0]!.value, 6);
      // full resolution runs to the last resolve, not to the close
      const lastResolve = (await eventsOf(stack, id2)).filter((e) => e['type'] === 'status.changed' && e['to'] === 'resolved').at(-1)!;
      expect(full[0]!.value).toBeCloseTo((Date.parse(lastResolve['at']) - Date.parse(t.createdAt)) / 1000, 3);
      expect(t.metrics.requesterWait.calendar).toBeCloseTo(requesterWait[0]!.value, 6);
    });
  });

  it('6. a priority change re-matches the policy: sla.policy by api:agent and the first-reply due time moves', async () => {
    const from = uniquePhone();
    const id = await openTicket(basic, from);
    const before = await getTicket(basic, id);
    expect(before.sla.policy).toBe('standard');
    expect(before.sla.targets.firstReply.dueAt).toBe(plusSeconds(before.createdAt, 3600));
    await patch(basic, id, { priority: 'urgent' });
    const after = await getTicket(basic, id);
    expect(after.priority).toBe('urgent');
    expect(after.sla.policy).toBe('urgent');
    expect(after.sla.targets.firstReply).toMatchObject({ status: 'active', dueAt: plusSeconds(before.createdAt, 60) });
    expect(after.slaDueAt).toBe(plusSeconds(before.createdAt, 60));
    expect((await ticketsOf(basic, from))[0]!['slaDueAt']).toBe(plusSeconds(before.createdAt, 60));
    const events = await eventsOf(basic, id);
    const policyEvents = events.filter((e) => e['type'] === 'sla.policy');
    expect(policyEvents).toHaveLength(2);
    expect(policyEvents[1]).toMatchObject({ actor: 'api:agent', policy: 'urgent', calendar: null });
    expect(events.filter((e) => e['type'] === 'priority.changed')).toEqual([expect.objectContaining({ actor: 'api:agent', from: 'normal', to: 'urgent' })]);
    // and back
    await patch(basic, id, { priority: 'normal' });
    const back = await getTicket(basic, id);
    expect(back.sla.policy).toBe('standard');
    expect(back.sla.targets.firstReply.dueAt).toBe(plusSeconds(before.createdAt, 3600));
  });

  it('6b. a policy switch whose new due time is already past breaches at once, at that due time', async () => {
    const id = await openTicket(basic, uniquePhone());
    const created = (await getTicket(basic, id)).createdAt as string;
    const mark = basic.metrics.events.length;
    basic.setNow(plusSeconds(created, 120));
    try {
      await patch(basic, id, { priority: 'urgent' });
    } finally {
      basic.setNow(undefined);
    }
    const t = await getTicket(basic, id);
    const due = plusSeconds(created, 60);
    expect(t.sla.policy).toBe('urgent');
    expect(t.sla.targets.firstReply).toEqual({ status: 'breached', dueAt: due, breachedAt: due, fulfilledAt: null });
    expect((await eventsOf(basic, id)).filter((e) => e['type'] === 'sla.breached')).toEqual([expect.objectContaining({ at: due, dueAt: due, target: 'firstReply' })]);
    expect(samples(basic, 'SlaBreached', mark)).toEqual([expect.objectContaining({ value: 1, dimensions: { Channel: 'sms', Target: 'firstReply' } })]);
    expect(samples(basic, 'SlaAttained', mark)).toEqual([expect.objectContaining({ value: 0, dimensions: { Channel: 'sms', Target: 'firstReply' } })]);
  });

  it('7. a business calendar: business seconds count only open hours, and the *Business metric is emitted', async () => {
    const week = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] };
    await withStack(
      {
        BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week } }),
        SLA_POLICIES: policies([{ name: 'office', calendar: 'ops', targets: { firstReply: 7200 } }]),
        ...QUIET,
      },
      async (stack) => {
        // Monday 2025-01-06 07:00 London (GMT): two hours before opening.
        stack.setNow('2025-01-06T07:00:00.000Z');
        const id = await openTicket(stack, uniquePhone());
        let t = await getTicket(stack, id);
        expect(t.sla).toMatchObject({ policy: 'office', calendar: 'ops' });
        // 7200 business seconds from the 09:00 opening
        expect(t.sla.targets.firstReply).toMatchObject({ status: 'active', dueAt: '2025-01-06T11:00:00.000Z' });
        stack.setNow('2025-01-06T09:30:00.000Z');
        await replyAndWait(stack, id, 'good morning');
        t = await eventually(async () => {
          const x = await getTicket(stack, id);
          return x.firstResponseAt ? x : undefined;
        }, 10_000, 'first response');
        const m = t.metrics.firstReply;
        expect(m.calendar).toBeGreaterThan(9000 - 1);
        expect(m.calendar).toBeLessThan(9000 + 5);
        expect(m.business).toBeGreaterThan(1800 - 1);
        expect(m.business).toBeLessThan(1800 + 5);
        // the difference is exactly the closed time from creation to 09:00
        expect(m.calendar - m.business).toBeCloseTo((Date.parse('2025-01-06T09:00:00.000Z') - Date.parse(t.createdAt)) / 1000, 3);
        expect(t.sla.targets.firstReply.status).toBe('fulfilled');
        const cal = samples(stack, 'FirstResponseTime');
        const bus = samples(stack, 'FirstResponseTimeBusiness');
        expect(cal).toHaveLength(1);
        expect(bus).toHaveLength(1);
        expect(cal[0]!.value).toBeCloseTo(m.calendar, 6);
        expect(bus[0]).toEqual({ name: 'FirstResponseTimeBusiness', unit: 'Seconds', value: expect.any(Number), dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] });
        expect(bus[0]!.value).toBeCloseTo(m.business, 6);

        // Friday 16:30 -> Monday 09:30: 65 calendar hours, one business hour.
        stack.setNow('2025-01-10T16:30:00.000Z');
        const id2 = await openTicket(stack, uniquePhone());
        const t2a = await getTicket(stack, id2);
        const due2 = Date.parse(t2a.sla.targets.firstReply.dueAt);
        // 30 min on Friday + 90 min on Monday from 09:00
        expect(Math.abs(due2 - Date.parse('2025-01-13T10:30:00.000Z'))).toBeLessThan(2000);
        stack.setNow('2025-01-13T09:30:00.000Z');
        await replyAndWait(stack, id2, 'after the weekend');
        const t2 = await eventually(async () => {
          const x = await getTicket(stack, id2);
          return x.firstResponseAt ? x : undefined;
        }, 10_000, 'first response');
        expect(t2.metrics.firstReply.calendar).toBeGreaterThan(65 * 3600 - 1);
        expect(t2.metrics.firstReply.calendar).toBeLessThan(65 * 3600 + 5);
        expect(t2.metrics.firstReply.business).toBeGreaterThan(3600 - 1);
        expect(t2.metrics.firstReply.business).toBeLessThan(3600 + 5);
        expect(t2.sla.targets.firstReply.status).toBe('fulfilled');
        expect(samples(stack, 'FirstResponseTimeBusiness')).toHaveLength(2);
        expect(samples(stack, 'FirstResponseTimeBusiness')[1]!.value).toBeCloseTo(t2.metrics.firstReply.business, 6);
        // the report carries the business measure beside the calendar one
        const r = await api(stack, 'GET', '/v1/reports/response-times?from=2025-01-06&to=2025-01-13', undefined, { authorization: `Bearer ${REPORTS_KEY}` });
        expect(r.status, r.text).toBe(200);
        const [g] = r.json.groups;
        expect(g.channel).toBe('sms');
        expect(g.firstReply.count).toBe(2);
        expect(g.firstReply.business.count).toBe(2);
        const busValues = samples(stack, 'FirstResponseTimeBusiness').map((e) => e.value);
        expect(Math.abs(g.firstReply.business.mean - (busValues[0]! + busValues[1]!) / 2)).toBeLessThanOrEqual(0.01);
        expect(g.sla.firstReply).toMatchObject({ met: 2, breached: 0 });
      },
    );
  });

  it('8. the response-time report matches the emitted samples exactly (counts, mean, percentiles, SLA verdicts)', async () => {
    await withStack({ SLA_POLICIES: policies([{ name: 'standard', targets: { firstReply: 60 } }]), ...QUIET }, async (stack) => {
      const today = new Date().toISOString().slice(0, 10);
      // Reply delays (seconds) on the stack's clock, from 10:00 UTC today; some past the 60 s target.
      const plan: Array<{ delay: number; priority?: 'high' | 'urgent' }> = [
        { delay: 3 }, { delay: 7, priority: 'high' }, { delay: 12 }, { delay: 20 }, { delay: 33, priority: 'high' },
        { delay: 45 }, { delay: 70 }, { delay: 110, priority: 'urgent' }, { delay: 150 }, { delay: 400 },
      ];
      let clock = Date.parse(`${today}T10:00:00.000Z`);
      for (const step of plan) {
        stack.setNow(new Date(clock).toISOString());
        const id = await openTicket(stack, uniquePhone());
        if (step.priority) await patch(stack, id, { priority: step.priority });
        clock += step.delay * 1000;
        stack.setNow(new Date(clock).toISOString());
        await replyAndWait(stack, id, 'answer');
        await eventually(async () => ((await getTicket(stack, id)).firstResponseAt ? true : undefined), 10_000, 'first response');
        clock += 1000;
      }
      const frt = samples(stack, 'FirstResponseTime').filter((e) => e.dimensions['Channel'] === 'sms');
      expect(frt).toHaveLength(plan.length);
      const attained = samples(stack, 'SlaAttained').filter((e) => e.dimensions['Target'] === 'firstReply');
      expect(attained.filter((e) => e.value === 1)).toHaveLength(6);
      expect(attained.filter((e) => e.value === 0)).toHaveLength(4);

      const report = async (query: string, key = REPORTS_KEY) => api(stack, 'GET', `/v1/reports/response-times?${query}`, undefined, { authorization: `Bearer ${key}` });
      const exact = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
      const checkSummary = (summary: Json, values: number[]) => {
        expect(summary['count']).toBe(values.length);
        const mean = values.reduce((s, v) => s + v, 0) / values.length;
        expect(Math.abs(summary['mean'] - mean)).toBeLessThanOrEqual(0.01);
        for (const [k, q] of [['p50', 0.5], ['p90', 0.9], ['p95', 0.95]] as const) {
          const want = exact(values, q);
          expect(Math.abs(summary[k] - want), `${k}: ${summary[k]} vs ${want}`).toBeLessThanOrEqual(0.01 * want + 0.001);
        }
      };

      const byChannel = await report(`from=${today}&to=${today}&groupBy=channel`);
      expect(byChannel.status, byChannel.text).toBe(200);
      expect(byChannel.json).toMatchObject({ from: today, to: today, groupBy: 'channel' });
      expect(byChannel.json.groups.map((g: Json) => g['channel'])).toEqual(['sms']);
      const sms = byChannel.json.groups[0];
      checkSummary(sms.firstReply, frt.map((e) => e.value));
      expect(sms.firstReply.business.count).toBe(0);
      expect(sms.nextReply.count).toBe(0);
      expect(sms.sla.firstReply).toEqual({ met: 6, breached: 4, rate: 0.6 });
      expect(sms.sla.firstReply.met).toBe(attained.filter((e) => e.value === 1).length);
      expect(sms.sla.firstReply.breached).toBe(attained.filter((e) => e.value === 0).length);

      const priorityOf = (e: MetricEvent) => e.moreDimensionSets?.[0]?.['Priority'];
      const byPriority = await report(`from=${today}&to=${today}&groupBy=priority`);
      expect(byPriority.status).toBe(200);
      const groups = byPriority.json.groups as Json[];
      expect(groups.map((g) => g['priority']).sort()).toEqual(['high', 'normal', 'urgent']);
      for (const g of groups) {
        expect(g['channel']).toBeUndefined();
        checkSummary(g['firstReply'], frt.filter((e) => priorityOf(e) === g['priority']).map((e) => e.value));
      }
      expect(groups.find((g) => g['priority'] === 'urgent')!['sla'].firstReply).toMatchObject({ met: 0, breached: 1 });
      expect(groups.find((g) => g['priority'] === 'high')!['sla'].firstReply).toMatchObject({ met: 2, breached: 0 });

      const byBoth = await report(`from=${today}&to=${today}&groupBy=${encodeURIComponent('channel,priority')}`);
      expect(byBoth.status).toBe(200);
      const both = byBoth.json.groups as Json[];
      expect(both.map((g) => `${g['channel']}/${g['priority']}`).sort()).toEqual(['sms/high', 'sms/normal', 'sms/urgent']);
      for (const g of both) checkSummary(g['firstReply'], frt.filter((e) => priorityOf(e) === g['priority']).map((e) => e.value));

      // a day with no samples
      const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const empty = await report(`from=${yesterday}&to=${yesterday}`);
      expect(empty.status).toBe(200);
      expect(empty.json.groups).toEqual([]);

      // scopes: tickets keys cannot read reports
      for (const key of [undefined, READ_ONLY_KEY]) {
        const r = key ? await report(`from=${today}&to=${today}`, key) : await api(stack, 'GET', `/v1/reports/response-times?from=${today}&to=${today}`);
        expect(r.status).toBe(403);
        expect(r.json.error.code).toEqual(expect.any(String));
      }
      // bad ranges
      for (const q of [
        'from=2025-02-30&to=2025-03-01',
        'from=yesterday&to=2025-03-01',
        'from=2025-03-01',
        'from=2025-03-02&to=2025-03-01',
        'from=2025-01-01&to=2025-04-03', // 93 days
        `from=${today}&to=${today}&groupBy=contact`,
        `from=${today}&to=${today}&extra=1`,
      ]) {
        const r = await report(q);
        expect(r.status, q).toBe(400);
        expect(r.headers.get('content-type')).toContain('application/json');
        expect(r.json.error, q).toMatchObject({ code: 'invalid_query', message: expect.any(String) });
      }
      expect((await report('from=2025-01-01&to=2025-04-02')).status).toBe(200); // exactly 92 days
    });
  });

  it('9. events pagination: pages oldest first with nextCursor, no duplicates or gaps; foreign or garbage cursors are 400', async () => {
    const from = uniquePhone();
    const id = await openTicket(basic, from);
    await eventually(async () => (await messagesOf(basic, id)).find((m) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'the ack');
    await replyAndWait(basic, id, 'hello');
    await api(basic, 'POST', `/v1/tickets/${id}/notes`, { text: 'note' });
    await patch(basic, id, { tags: ['vip'] });
    await patch(basic, id, { assignee: 'ana' });
    await patch(basic, id, { status: 'resolved' });
    expect((await sendSms(basic, { from, body: 'again' })).status).toBe(200);
    const all = await eventsOf(basic, id);
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(new Set(all.map((e) => e['id'])).size).toBe(all.length);
    expect(all.map((e) => e['at'])).toEqual([...all.map((e) => e['at'])].sort());

    for (const limit of [1, 2, 3, all.length]) {
      const seen: Json[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await api(basic, 'GET', `/v1/tickets/${id}/events?${q}`);
        expect(r.status, r.text).toBe(200);
        expect(r.json.events.length).toBeLessThanOrEqual(limit);
        expect(r.json.events.length).toBeGreaterThan(0);
        seen.push(...r.json.events);
        cursor = r.json.nextCursor;
        pages++;
        expect(pages).toBeLessThanOrEqual(all.length + 1);
      } while (cursor);
      expect(seen.map((e) => e['id']), `limit ${limit}`).toEqual(all.map((e) => e['id']));
      expect(pages).toBe(Math.ceil(all.length / limit));
    }

    const first = await api(basic, 'GET', `/v1/tickets/${id}/events?limit=2`);
    const cursor = first.json.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));

    // another ticket's cursor
    const other = await openTicket(basic, uniquePhone());
    const foreign = await api(basic, 'GET', `/v1/tickets/${other}/events?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.code).toBe('invalid_cursor');
    // garbage
    for (const bad of ['not-a-cursor', '!!!!', 'x'.repeat(64)]) {
      const r = await api(basic, 'GET', `/v1/tickets/${id}/events?limit=2&cursor=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
      expect(r.json.error.code).toBe('invalid_cursor');
    }
    // bad limits
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'foo=1']) expect((await api(basic, 'GET', `/v1/tickets/${id}/events?${q}`)).status, q).toBe(400);
    // unknown ticket
    expect((await api(basic, 'GET', `/v1/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV/events`)).status).toBe(404);
  });

  // Cursors are HMAC-signed: an altered one is refused rather than silently skipping or repeating events.
  it('9b. events pagination: a tampered cursor for the same ticket is a 400', async () => {
    const id = await openTicket(basic, uniquePhone());
    await replyAndWait(basic, id, 'hello');
    const first = await api(basic, 'GET', `/v1/tickets/${id}/events?limit=1`);
    const cursor = first.json.nextCursor as string;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [cursor.slice(0, -4), `${cursor}AAAA`, flip(cursor, cursor.length - 3), flip(cursor, cursor.length - 20)]) {
      const r = await api(basic, 'GET', `/v1/tickets/${id}/events?limit=2&cursor=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
    }
  });

  it('11. delivered/read callbacks and redelivered sends count once; reactions and postbacks neither reopen nor start a clock', async () => {
    await withStack({ SLA_POLICIES: policies([{ name: 'standard', targets: { firstReply: 3600, nextReply: 1800 } }]), ...QUIET }, async (stack) => {
      const secret = stack.runtime.config.secrets.META_APP_SECRET!;
      const inbox = '555000777';
      const wa = `1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      const postMeta = async (payload: object) => expect((await deliver(stack, signedMeta(secret, payload))).status).toBe(200);
      const waValue = (value: object) => ({
        object: 'whatsapp_business_account',
        entry: [{ id: 'WABA_ID', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: inbox, phone_number_id: inbox }, ...value } }] }],
      });
      const reaction = (to: string) =>
        waValue({
          contacts: [{ profile: { name: 'Ada' }, wa_id: wa }],
          messages: [{ from: wa, id: `wamid.${randomBytes(12).toString('hex')}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'reaction', reaction: { message_id: to, emoji: '\u{1F44D}' } }],
        });

      await postMeta(metaMessagePayload({ channel: 'whatsapp', from: wa, to: inbox, body: 'where is my parcel' }));
      const [item] = await ticketsOf(stack, wa);
      const id = item!['id'] as string;
      const reply = await replyAndWait(stack, id, 'It ships today');
      await eventually(async () => ((await getTicket(stack, id)).status === 'pending' ? true : undefined), 10_000, 'pending');
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(1);

      // delivered, read, a repeated read and a late sent: statuses move, the response counted once
      for (const status of ['delivered', 'read', 'read', 'sent']) await postMeta(metaStatusPayload({ id: reply['providerMessageId'], status, to: inbox }));
      // SQS redelivers the send job: nothing is sent or counted again
      await stack.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queues.followUp.url,
          MessageBody: JSON.stringify({ kind: 'deliver', ticketId: id, messageId: reply['id'], createdAt: reply['createdAt'] }),
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'deliver' } },
        }),
      );
      await sleep(1500);
      let events = await eventsOf(stack, id);
      expect(events.filter((e) => e['type'].startsWith('reply.')).map((e) => e['type']).sort()).toEqual(['reply.delivered', 'reply.queued', 'reply.read', 'reply.sent']);
      expect(stack.providerStub.requests.filter((r) => r.json?.to === wa)).toHaveLength(1);
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(1);
      expect(samples(stack, 'SlaAttained')).toHaveLength(1);

      // a reaction while pending: stored, but no clock starts and the ticket stays with the customer
      await postMeta(reaction(reply['providerMessageId']));
      let t = await getTicket(stack, id);
      expect(t.status).toBe('pending');
      expect(t.sla.targets.nextReply.status).toBe('none');
      events = await eventsOf(stack, id);
      expect(events.filter((e) => e['type'] === 'message.received').map((e) => e['countsAsCustomerMessage'])).toEqual([true, false]);

      // a real message while pending: the customer waits again (a next-reply cycle), but it is no reopen
      await postMeta(metaMessagePayload({ channel: 'whatsapp', from: wa, to: inbox, body: 'and the invoice?' }));
      t = await getTicket(stack, id);
      expect(t.status).toBe('open');
      expect(t.metrics.reopens).toBe(0);
      expect(t.sla.targets.nextReply.status).toBe('active');
      expect(samples(stack, 'TicketsReopened')).toHaveLength(0);
      const second = await replyAndWait(stack, id, 'Invoice attached');
      for (const status of ['delivered', 'read']) await postMeta(metaStatusPayload({ id: second['providerMessageId'], status, to: inbox }));
      await eventually(async () => ((await getTicket(stack, id)).sla.targets.nextReply.status === 'fulfilled' ? true : undefined), 10_000, 'next reply');
      await sleep(300);
      expect(samples(stack, 'NextResponseTime')).toHaveLength(1);
      expect(samples(stack, 'FirstResponseTime')).toHaveLength(1);

      // resolved: a reaction does not reopen
      await patch(stack, id, { status: 'resolved' });
      await postMeta(reaction(second['providerMessageId']));
      t = await getTicket(stack, id);
      expect(t).toMatchObject({ status: 'resolved', reopenCount: 0 });
      expect(t.metrics.reopens).toBe(0);
      expect(t.sla.targets.nextReply.status).toBe('fulfilled');
      expect(samples(stack, 'TicketsReopened')).toHaveLength(0);

      // Messenger: a postback on a resolved ticket does not reopen it either
      const psid = `PSID-${randomBytes(4).toString('hex')}`;
      await postMeta(metaMessagePayload({ channel: 'messenger', from: psid, to: 'PAGE-RT', body: 'hi' }));
      const [m] = await ticketsOf(stack, psid);
      const mid = m!['id'] as string;
      await patch(stack, mid, { status: 'resolved' });
      const ts = Date.now();
      await postMeta({
        object: 'page',
        entry: [{ id: 'PAGE-RT', time: ts, messaging: [{ sender: { id: psid }, recipient: { id: 'PAGE-RT' }, timestamp: ts, postback: { title: 'Yes', payload: 'YES', mid: `m_${randomBytes(8).toString('hex')}` } }] }],
      });
      const mt = await getTicket(stack, mid);
      expect(mt).toMatchObject({ status: 'resolved', reopenCount: 0 });
      expect(mt.sla.targets.nextReply.status).toBe('none');
      expect((await messagesOf(stack, mid)).filter((x) => x['direction'] === 'inbound')).toHaveLength(2);
      expect(samples(stack, 'TicketsReopened')).toHaveLength(0);
    });
  });

  describe('10. SLA configuration errors at start-up', () => {
    const base = { FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i', STAGE: 'local' };
    const week = { mon: [['09:00', '17:00']] };
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['an invalid time zone', { BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Mars/Olympus_Mons', week } }) }, /BUSINESS_CALENDARS.*time zone/],
      ['overlapping windows', { BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week: { mon: [['09:00', '12:00'], ['11:00', '17:00']] } } }) }, /BUSINESS_CALENDARS.*overlap/],
      ['a calendar with no open time', { BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week: {} } }) }, /BUSINESS_CALENDARS.*no open time/],
      ['a calendar with only empty days', { BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week: { mon: [], sat: [] } } }) }, /BUSINESS_CALENDARS.*no open time/],
      [
        'a policy naming an unknown calendar',
        { BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week } }), SLA_POLICIES: policies([{ name: 'p', calendar: 'support', targets: { firstReply: 60 } }]) },
        /SLA_POLICIES.*"support"/,
      ],
      ['a policy naming a calendar when none are defined', { SLA_POLICIES: policies([{ name: 'p', calendar: 'ops', targets: { firstReply: 60 } }]) }, /SLA_POLICIES.*"ops"/],
      ['a policy with no target', { SLA_POLICIES: policies([{ name: 'p', targets: {} }]) }, /SLA_POLICIES/],
      ['SLA_POLICIES that is not JSON', { SLA_POLICIES: '[{' }, /SLA_POLICIES/],
    ];
    it.each(cases)('%s throws a ConfigError naming the variable', (_what, env, message) => {
      let error: unknown;
      try {
        buildConfig({ ...base, ...env });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
    });
    it('accepts a valid calendar and policy', () => {
      const c = buildConfig({
        ...base,
        BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week, holidays: ['2025-12-25'] } }),
        SLA_POLICIES: policies([{ name: 'p', calendar: 'ops', targets: { firstReply: 60 } }]),
      });
      expect(c.sla.policies.map((p) => p.name)).toEqual(['p']);
      expect(Object.keys(c.sla.calendars)).toEqual(['ops']);
    });
  });
});
