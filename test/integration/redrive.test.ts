/**
 * Redrive on the real local stack (fauxqs): dead letters put on the ingest DLQ are counted by a dry
 * run (nothing moves), then moved back by `npm run redrive` (which finds the stack by itself) and by
 * POST /v1/admin/redrive, and the worker ingests them. A key without `admin` gets 403.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJob } from '../../functions/adapters/sqs-queue.ts';
import { normalizeTwilio } from '../../functions/channels/twilio/normalize.ts';
import { writeEndpoints } from '../../bin/local-endpoints.ts';
import { api, API_KEY, eventually, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

const ADMIN_KEY = 'swk_admin-key-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const run = promisify(execFile);

let stack: TestStack;
let endpoints: string;

/** A verified inbound SMS, dead-lettered as the worker would (with our reason attributes). */
async function deadLetter(phone: string): Promise<void> {
  const message = normalizeTwilio(
    [
      ['MessageSid', `SM${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`],
      ['AccountSid', 'AC00000000000000000000000000000000'],
      ['From', phone],
      ['To', '+15550001111'],
      ['Body', 'parked and dead-lettered'],
    ],
    new Date().toISOString(),
  );
  await stack.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.queues.ingest.dlqUrl,
      MessageBody: encodeJob({ kind: 'ingest', message }),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'ingest' },
        reason: { DataType: 'String', StringValue: 'store_unavailable' },
        deadLetteredAt: { DataType: 'String', StringValue: new Date().toISOString() },
      },
    }),
  );
}

const inDlq = async (): Promise<number> => {
  const r = await stack.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queues.ingest.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(r.Attributes?.['ApproximateNumberOfMessages']) + Number(r.Attributes?.['ApproximateNumberOfMessagesNotVisible']);
};

const npmRedrive = (...args: string[]) => run('npm', ['run', '--silent', 'redrive', '--', ...args], { env: { ...process.env, LOCAL_ENDPOINTS_FILE: endpoints }, cwd: process.cwd() });

beforeAll(async () => {
  stack = await startTestStack({
    AUTO_ACK_ENABLED: 'false',
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: ADMIN_KEY, scopes: ['admin'], name: 'ops' },
    ]),
  });
  // What npm start writes for tools run beside it (bin/local.ts), for this test stack.
  endpoints = join(mkdtempSync(join(tmpdir(), 'redrive-')), 'endpoints.json');
  writeEndpoints(endpoints, { pid: process.pid, url: stack.url, dynamo: stack.endpoints.dynamo, sqs: stack.endpoints.sqs, queues: stack.queues });
});
afterAll(async () => {
  await stack?.stop();
});

describe('redrive', () => {
  it('npm run redrive: a dry run counts and moves nothing; a real run moves them back and the worker ingests them', async () => {
    const phones = [uniquePhone(), uniquePhone()];
    for (const p of phones) await deadLetter(p);
    const dry = await npmRedrive('ingest', '--dry-run');
    expect(dry.stdout).toContain('ingest: 2 message(s) in the DLQ (dry run, nothing moved)');
    expect(dry.stdout).toContain('reason=store_unavailable');
    expect(await inDlq()).toBe(2);
    for (const p of phones) expect(await ticketsOf(stack, p)).toEqual([]);

    const moved = await npmRedrive('ingest');
    expect(moved.stdout).toContain('ingest: moved 2 message(s) back');
    for (const p of phones) await eventually(async () => (await ticketsOf(stack, p)).length === 1, 20_000, `the ticket of ${p}`);
    expect(await inDlq()).toBe(0);
  });

  it('POST /v1/admin/redrive with an admin key does the same', async () => {
    const phone = uniquePhone();
    await deadLetter(phone);
    const dry = await api(stack, 'POST', '/v1/admin/redrive', { queue: 'ingest', dryRun: true }, admin);
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ queue: 'ingest', dryRun: true, waiting: 1, moved: 0 });
    expect(dry.json.messages[0]).toMatchObject({ kind: 'ingest', reason: 'store_unavailable' });
    expect(await inDlq()).toBe(1);

    const r = await api(stack, 'POST', '/v1/admin/redrive', { queue: 'ingest' }, admin);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ queue: 'ingest', dryRun: false, moved: 1, failed: 0, more: false });
    await eventually(async () => (await ticketsOf(stack, phone)).length === 1, 20_000, 'the redriven ticket');
    // An empty DLQ: nothing to move.
    expect((await api(stack, 'POST', '/v1/admin/redrive', { queue: 'follow-up' }, admin)).json).toMatchObject({ moved: 0, more: false });
  });

  it('refuses a key without admin, an unknown queue, and an unknown argument', async () => {
    const forbidden = await api(stack, 'POST', '/v1/admin/redrive', { queue: 'ingest' });
    expect(forbidden.status).toBe(403);
    for (const body of [{ queue: 'nope' }, { queue: 'followUp' }, { queue: 'ingest', dryRun: 'yes' }, { queue: 'ingest', extra: 1 }, {}]) {
      const bad = await api(stack, 'POST', '/v1/admin/redrive', body, admin);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    await expect(npmRedrive('nope')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown queue "nope"') });
  });
});
