/** Follow-ups through fauxqs and the worker loop: acknowledgement, SLA breach, agent replies, DLQ. */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
beforeAll(async () => {
  // A 2-second SMS target so the SLA check comes due within the test.
  stack = await startTestStack({ SLA_FIRST_RESPONSE_SECONDS: '{"sms": 2}', AUTO_ACK_TEXT: 'Got it, ticket {ticket}.' });
});
afterAll(async () => {
  await stack?.stop();
});

async function openTicket(from: string, body = 'help please') {
  expect((await sendSms(stack, { from, body })).status).toBe(200);
  const [t] = await ticketsOf(stack, from);
  return t!['id'] as string;
}

const messagesOf = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json.messages as Array<Record<string, any>>;

describe('follow-ups', () => {
  it('records and sends one automated acknowledgement through Twilio', async () => {
    const from = uniquePhone();
    const id = await openTicket(from);
    const ack = await eventually(async () => (await messagesOf(id)).find((m) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'the ack to be sent');
    expect(ack).toMatchObject({ direction: 'outbound', text: `Got it, ticket ${id}.`, from: '+15550001111', to: from });
    expect(ack['providerMessageId']).toMatch(/^SM[0-9a-f]{32}$/);
    const sent = stack.providerStub.requests.filter((r) => r.form.get('To') === from);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json');
    expect(sent[0]!.form.get('From')).toBe('+15550001111');
    expect(sent[0]!.authorization).toBe(`Basic ${Buffer.from(`AC00000000000000000000000000000000:${stack.runtime.config.secrets.TWILIO_AUTH_TOKEN}`).toString('base64')}`);
    expect(stack.metrics.events.some((e) => e.name === 'AutoAcksSent' && e.dimensions['Channel'] === 'sms')).toBe(true);
    // The acknowledgement is not an agent's first response.
    const t = (await api(stack, 'GET', `/v1/tickets/${id}`)).json.ticket;
    expect(t.firstResponseAt).toBeNull();
  });

  it('marks the ticket breached when no agent replied in time, once, at the due time', async () => {
    const from = uniquePhone();
    const id = await openTicket(from);
    const sla = await eventually(async () => {
      const r = (await api(stack, 'GET', `/v1/tickets/${id}`)).json.ticket.sla;
      return r.targets.firstReply.status === 'breached' ? r : undefined;
    }, 15_000, 'the SLA breach');
    expect(sla.targets.firstReply.breachedAt).toBe(sla.targets.firstReply.dueAt);
    const breaches = stack.metrics.events.filter((e) => e.name === 'SlaBreached');
    expect(breaches.length).toBeGreaterThanOrEqual(1);
    expect(breaches[0]!.dimensions).toEqual({ Channel: 'sms', Target: 'firstReply' });
    // wait for more worker cycles: the breach is an event in the log exactly once
    await new Promise((r) => setTimeout(r, 2500));
    const events = (await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`)).json.events as Array<Record<string, any>>;
    expect(events.filter((e) => e['type'] === 'sla.breached')).toHaveLength(1);
  });

  it('does not breach a ticket an agent answered in time, and measures the first response when the provider accepts it', async () => {
    const from = uniquePhone();
    const id = await openTicket(from);
    const reply = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'We are on it', author: 'ana' });
    expect(reply.status).toBe(201);
    expect(reply.json.message).toMatchObject({ direction: 'outbound', automated: false, author: 'ana', text: 'We are on it', deliveryStatus: 'queued', to: from });
    // delivered through Twilio
    await eventually(async () => (await messagesOf(id)).find((m) => m['id'] === reply.json.message.id && m['deliveryStatus'] === 'sent'), 15_000, 'the reply to be sent');
    const t = await eventually(async () => {
      const r = (await api(stack, 'GET', `/v1/tickets/${id}`)).json.ticket;
      return r.firstResponseAt ? r : undefined;
    }, 15_000, 'the first response');
    expect(t.status).toBe('pending');
    expect(Date.parse(t.firstResponseAt)).toBeGreaterThanOrEqual(Date.parse(reply.json.message.createdAt));
    const frt = stack.metrics.events.filter((e) => e.name === 'FirstResponseTime');
    expect(frt.at(-1)).toMatchObject({ unit: 'Seconds', dimensions: { Channel: 'sms' }, moreDimensionSets: [{ Channel: 'sms', Priority: 'normal' }] });
    expect(frt.at(-1)!.value).toBeCloseTo((Date.parse(t.firstResponseAt) - Date.parse(t.createdAt)) / 1000, 3);
    expect(t.metrics.firstReply.calendar).toBeCloseTo(frt.at(-1)!.value, 3);
    expect(t.sla.targets.firstReply).toMatchObject({ status: 'fulfilled', fulfilledAt: t.firstResponseAt });
    // wait past the 2 s target plus a worker cycle: still not breached
    await new Promise((r) => setTimeout(r, 3500));
    expect((await api(stack, 'GET', `/v1/tickets/${id}`)).json.ticket.sla.targets.firstReply.status).toBe('fulfilled');
  });

  it('replays a reply with the same Idempotency-Key instead of sending it twice', async () => {
    const id = await openTicket(uniquePhone());
    const headers = { 'idempotency-key': 'reply-abc-1' };
    const first = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'once' }, headers);
    const again = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'once' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.message.id).toBe(first.json.message.id);
    const agentReplies = (await messagesOf(id)).filter((m) => m['direction'] === 'outbound' && !m['automated']);
    expect(agentReplies).toHaveLength(1);
  });

  it('records a permanent Twilio refusal as failed, without retrying', async () => {
    const from = uniquePhone();
    const id = await openTicket(from);
    await eventually(async () => (await messagesOf(id)).find((m) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'the ack');
    stack.providerStub.status = 400;
    try {
      const reply = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text: 'to a bad number' });
      const m = await eventually(async () => (await messagesOf(id)).find((x) => x['id'] === reply.json.message.id && x['deliveryStatus'] === 'failed'), 15_000, 'failed status');
      expect(m['deliveryError']).toContain('21211');
      expect(stack.metrics.events.some((e) => e.name === 'OutboundFailed')).toBe(true);
    } finally {
      stack.providerStub.status = 201;
    }
  });

  it('moves a poison message to the DLQ at once', async () => {
    await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.followUp.url, MessageBody: '{"kind":"no-such-job"}' }));
    const received = await eventually(
      async () => {
        const r = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.followUp.dlqUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
        return r.Messages?.find((m) => m.Body === '{"kind":"no-such-job"}');
      },
      40_000,
      'the poison message in the DLQ',
    );
    expect(received.Body).toBe('{"kind":"no-such-job"}');
  });
});
