/**
 * Regression tests for the adversarial review (issue "Hostile input"), one per defect class, named
 * after the property each proves. Email-specific classes live in email-hostile.test.ts; the real
 * stack versions of several of these are in test/integration/hostile-input.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawEmail, signedSendGrid, signedX, twilioForm, xPayload } from '../../bin/simulate.ts';
import { contentDisposition } from '../../functions/adapters/attachments.ts';
import { composeReply } from '../../functions/adapters/email-sender.ts';
import { encodeJob } from '../../functions/adapters/sqs-queue.ts';
import { RecordingMetrics } from '../../functions/adapters/metrics.ts';
import { twilio } from '../../functions/channels/twilio/index.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { CRC_TOKEN, x, xSignature } from '../../functions/channels/x/index.ts';
import { buildConfig, ConfigError, LOCAL_DEFAULTS } from '../../functions/config.ts';
import { ClientError } from '../../functions/core/errors.ts';
import { outboundEmailInfo } from '../../functions/core/email.ts';
import { PermanentError, type CoreDeps, type IngestContext, type TicketStore } from '../../functions/core/ports.ts';
import { planIngest } from '../../functions/core/tickets.ts';
import type { InboundMessage, Job, Message, Ticket } from '../../functions/core/types.ts';
import { handleWebhook } from '../../functions/webhook/service.ts';
import { processRecord } from '../../functions/worker/handler.ts';
import { signedMeta } from '../../bin/simulate.ts';
import { request, testConfig, thrown } from '../helpers/fixtures.ts';
import { defaultFollowUps } from '../../functions/core/follow-ups/settings.ts';

const config = testConfig();
const now = new Date('2026-03-01T10:00:00.000Z');

describe('no signing oracle: the X CRC answers only tokens of the shape X sends', () => {
  const secret = config.secrets.X_CONSUMER_SECRET!;
  const crc = (token: string) => x.receive(request('GET', '/webhooks/x', '', {}, `crc_token=${encodeURIComponent(token)}`), { config, now });

  it('refuses a JSON body as crc_token, so it cannot be turned into a POST signature', () => {
    const forged = JSON.stringify(xPayload({ from: '666', to: '42', body: 'send me the refund' }));
    const e = thrown(() => crc(forged));
    expect(e).toBeInstanceOf(ClientError);
    expect(e.status).toBe(400);
    // And a POST whose signature was not obtained that way is refused.
    const post = signedX('not-the-secret', forged);
    expect(thrown(() => x.receive(request('POST', '/webhooks/x', post.body, post.headers), { config, now })).status).toBe(403);
  });

  it('answers base64/base64url tokens with the HMAC', () => {
    const token = 'YzM3ZmRkMzgtZDBiNy00ZDBlLWI3YjQtMWE0NjU2NTJlMzQz';
    const r = crc(token);
    expect(r.kind).toBe('response');
    expect(JSON.parse((r as { response: { body: string } }).response.body)).toEqual({ response_token: xSignature(secret, token) });
  });

  it('never signs anything that could be a JSON document or longer than 255 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        let parsesAsObject = false;
        try {
          const v: unknown = JSON.parse(s);
          parsesAsObject = typeof v === 'object' && v !== null;
        } catch {
          /* not JSON */
        }
        if (parsesAsObject || s.length > 255 || /[{}"\s:,[\]]/.test(s)) expect(CRC_TOKEN.test(s)).toBe(false);
      }),
      { seed: 8, numRuns: 2000 },
    );
    expect(CRC_TOKEN.test('{"a":1}')).toBe(false);
    expect(CRC_TOKEN.test('a'.repeat(256))).toBe(false);
  });
});

describe('Twilio replays are bound to strict shapes', () => {
  const token = config.secrets.TWILIO_AUTH_TOKEN!;
  const url = `${config.publicBaseUrl}/webhooks/twilio`;
  const post = (fields: Array<[string, string]>, signedFields = fields) =>
    twilio.receive(
      request('POST', '/webhooks/twilio', new URLSearchParams(fields).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': expectedTwilioSignature(token, url, signedFields),
      }),
      { config, now },
    );

  it('a captured request re-split at another key/value boundary still verifies but fails validation', () => {
    const sid = 'SM0123456789abcdef0123456789abcdef';
    const original: Array<[string, string]> = [['MessageSid', sid], ['NumMedia', '0'], ['From', '+15551230000'], ['To', '+15550001111'], ['Body', 'hi']];
    expect(post(original).kind).toBe('events');
    // Twilio signs key+value concatenated: "MessageSid" + "SM…NumMedia0" signs the same bytes.
    const resplit: Array<[string, string]> = [['MessageSid', `${sid}NumMedia0`], ['From', '+15551230000'], ['To', '+15550001111'], ['Body', 'hi']];
    expect(expectedTwilioSignature(token, url, resplit)).toBe(expectedTwilioSignature(token, url, original));
    const e = thrown(() => post(resplit));
    expect(e.status).toBe(400);
    expect(e.details.map((d: { path: string }) => d.path)).toContain('MessageSid');
  });

  it.each([
    ['MessageSid', 'SM0123'],
    ['MessageSid', 'XX0123456789abcdef0123456789abcdef'],
    ['NumMedia', '0x'],
    ['NumMedia', '11'],
    ['SmsSid', 'SMffffffffffffffffffffffffffffffff'],
    ['From', '{"a":1}'],
  ])('%s=%s is refused with a 400', (key, value) => {
    const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'x', sid: 'SM0123456789abcdef0123456789abcdef' });
    form.set(key, value);
    expect(thrown(() => post([...form])).status).toBe(400);
  });
});

describe('config per variable', () => {
  const queues = { FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i' };

  it('an empty variable means not configured, even where a local default exists', () => {
    const c = buildConfig({ ...queues, STAGE: 'local', TWILIO_AUTH_TOKEN: '' });
    expect(c.secrets.TWILIO_AUTH_TOKEN).toBeUndefined();
    expect(c.secrets.META_APP_SECRET).toBe(LOCAL_DEFAULTS.META_APP_SECRET);
  });

  it('an empty value in the secret means not configured for that provider only', () => {
    const c = buildConfig({ ...queues, TELEGRAM_SECRET_TOKEN: 'env-token' }, JSON.stringify({ TWILIO_AUTH_TOKEN: '', TELEGRAM_SECRET_TOKEN: null, META_APP_SECRET: 'meta' }));
    expect(c.secrets.TWILIO_AUTH_TOKEN).toBeUndefined();
    expect(c.secrets.TELEGRAM_SECRET_TOKEN).toBeUndefined();
    expect(c.secrets.META_APP_SECRET).toBe('meta');
  });

  it('the secret passes the same checks as the environment, and every bad variable is named at once', () => {
    const run = () => buildConfig({ ...queues, PORT: 'abc' }, JSON.stringify({ TELEGRAM_SECRET_TOKEN: 'has spaces!', SENDGRID_BASIC_AUTH: 'nocolon', META_APP_SECRET: ' padded ' }));
    expect(run).toThrow(ConfigError);
    const message = (thrown(run) as Error).message;
    for (const name of ['PORT', 'TELEGRAM_SECRET_TOKEN', 'SENDGRID_BASIC_AUTH', 'META_APP_SECRET']) expect(message).toContain(name);
  });

  it('an unconfigured provider answers 503 not_configured while the others keep working', async () => {
    const deps = fakeDeps();
    const c = buildConfig({ ...queues, STAGE: 'local', TWILIO_AUTH_TOKEN: '' });
    const form = twilioForm({ from: '+15551230000', to: '+15550001111', body: 'x' });
    const res = await handleWebhook(deps, c, request('POST', '/webhooks/twilio', form.toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' }));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('not_configured');
    const meta = signedMeta(c.secrets.META_APP_SECRET!, waBatch(1));
    expect((await handleWebhook(deps, c, request('POST', meta.path, meta.body, meta.headers))).statusCode).toBe(200);
  });
});

describe('automation never amplifies', () => {
  const ticket: Ticket = {
    id: '01JTICKET00000000000000000',
    status: 'open',
    priority: 'normal',
    channel: 'email',
    provider: 'postmark',
    contactId: 'c',
    threadKey: 'msgid:x',
    inboxAddress: 'support@example.com',
    customerAddress: 'spoofed-victim@example.org',
    subject: 'BUY CHEAP PILLS http://spam.example',
    participants: Array.from({ length: 40 }, (_, i) => `cc${i}@victims.example`),
    tags: [],
    createdAt: now.toISOString(),
    lastMessageAt: now.toISOString(),
    messageCount: 1,
    reopenCount: 0,
    version: 1,
  };
  const message = (automated: boolean): Message => ({
    id: 'M1',
    ticketId: ticket.id,
    direction: 'outbound',
    automated,
    text: 'Thanks',
    attachments: [],
    from: ticket.inboxAddress,
    to: ticket.customerAddress,
    createdAt: now.toISOString(),
    deliveryStatus: 'queued',
    email: outboundEmailInfo(ticket, 'a'.repeat(32), 'Thanks', automated),
  });

  it('an acknowledgement goes to the customer alone, without Cc and without the sender’s subject', async () => {
    const raw = (await composeReply(ticket, message(true), [])).toString();
    expect(raw).not.toMatch(/^Cc:/im);
    expect(raw).not.toContain('PILLS');
    expect(raw).toMatch(/^To: spoofed-victim@example.org/im);
  });

  it('an agent reply keeps the thread’s participants in Cc', async () => {
    const raw = (await composeReply(ticket, message(false), [])).toString();
    expect(raw).toMatch(/^Cc: cc0@victims.example/im);
  });

  it('no acknowledgement is queued when the provider reports failed sender authentication', () => {
    const settings = { sla: config.sla, autoAck: { enabled: true, text: 'ack' }, automationRateLimitPerHour: 5, dedupeTtlDays: 14, cursorKey: 'k', followUps: defaultFollowUps() };
    const mail = (senderAuthFailed: boolean): InboundMessage => ({
      provider: 'ses',
      channel: 'email',
      providerMessageId: 'p1',
      threadKey: 'msgid:p1',
      from: 'a@b.example',
      to: 'support@example.com',
      identity: { kind: 'email', value: 'a@b.example' },
      text: 'hi',
      attachments: [],
      receivedAt: now.toISOString(),
      email: { subject: 's', references: [], cc: [], preview: 'hi', senderAuthFailed },
    });
    const ids = { ticketId: 'T', contactId: 'C', messageId: 'M', newId: () => Math.random().toString(36).slice(2) };
    const kinds = (m: InboundMessage) => planIngest(m, {} as IngestContext, ids, now, settings).jobs.map((j) => j.job.kind);
    expect(kinds(mail(false))).toContain('ack');
    expect(kinds(mail(true))).not.toContain('ack');
    expect(kinds(mail(true))).toContain('sla-check');
  });

  it('our outbound Message-IDs are random tokens, not derived from ids a customer can see', () => {
    const info = outboundEmailInfo(ticket, 'f'.repeat(32), 'x');
    expect(info.messageId).toBe(`${'f'.repeat(32)}@example.com`);
    expect(info.messageId).not.toContain(ticket.id);
  });
});

describe('reads never fail on stored data', () => {
  it('a file name with a lone surrogate or control characters still gives a Content-Disposition', () => {
    for (const name of ['\ud800.txt', 'a\udc00b\ud83d', 'x\r\ny"z', '€uro.pdf', `${'é'.repeat(199)}\ud83d\ude00`]) {
      const v = contentDisposition(name);
      expect(v).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''/);
      expect(v).not.toMatch(/[\r\n]/);
    }
  });
});

describe('queued jobs survive any text', () => {
  it('every character SQS may refuse is escaped, and decoding gives the same job back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const job: Job = { kind: 'ack', ticketId: text };
        const body = encodeJob(job);
        expect(body).toMatch(/^[\t\n\r\x20-\ud7ff\ue000-\ufffd]*$/);
        expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(job)));
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});

describe('a permanent failure in the worker goes to the DLQ at once, with its reason', () => {
  const record = (body: string) => ({
    messageId: 'r1',
    receiptHandle: 'h',
    body,
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:i',
    awsRegion: 'us-east-1',
  }) as unknown as import('aws-lambda').SQSRecord;

  it.each([
    ['not JSON', '{oops', 'invalid_job'],
    ['an unknown job', '{"kind":"no-such-job"}', 'invalid_job'],
  ])('%s', async (_what, body, reason) => {
    const deps = fakeDeps();
    expect(await processRecord(deps, config, record(body))).toBe(true);
    expect(deps.dead).toEqual([{ queue: 'ingest', body, reason }]);
  });

  it('a store that refuses the item (PermanentError) dead-letters instead of retrying', async () => {
    const deps = fakeDeps({ commit: () => Promise.reject(new PermanentError('store_rejected_item', 'Item size has exceeded the maximum allowed size')) });
    const body = JSON.stringify({ kind: 'ingest', message: inbound('wamid.1') });
    expect(await processRecord(deps, config, record(body))).toBe(true);
    expect(deps.dead.map((d) => d.reason)).toEqual(['store_rejected_item']);
  });

  it('a transient failure is retried (reported as a batch item failure), not dead-lettered', async () => {
    const deps = fakeDeps({ commit: () => Promise.reject(new Error('throttled')) });
    expect(await processRecord(deps, config, record(JSON.stringify({ kind: 'ingest', message: inbound('wamid.2') })))).toBe(false);
    expect(deps.dead).toEqual([]);
  });

  it("the failure's log line names the job's kind and ids, never its text", async () => {
    const lines: Array<[string, Record<string, unknown>]> = [];
    const deps = { ...fakeDeps(), log: { info: () => undefined, warn: () => undefined, error: (m: string, f: Record<string, unknown> = {}) => void lines.push([m, f]) } };
    const job = { kind: 'deliver', ticketId: 'T1', messageId: 'M1', createdAt: now.toISOString() };
    const failing = { ...deps, store: { ...deps.store, getTicket: () => Promise.reject(new Error('throttled')) } as unknown as TicketStore };
    expect(await processRecord(failing, config, record(JSON.stringify(job)))).toBe(false);
    expect(lines).toEqual([['job failed', expect.objectContaining({ job: { kind: 'deliver', ticketId: 'T1', messageId: 'M1' }, error: 'throttled' })]]);
    lines.length = 0;
    const ingest = { kind: 'ingest', message: inbound('wamid.3') };
    expect(await processRecord({ ...deps, store: { ...deps.store, commitIngest: () => Promise.reject(new Error('down')) } as unknown as TicketStore }, config, record(JSON.stringify(ingest)))).toBe(false);
    expect(lines[0]![1]['job']).toEqual({ kind: 'ingest' });
    expect(JSON.stringify(lines)).not.toContain(ingest.message.text);
  });
});

describe('batches within the budget', () => {
  it('a 300-message batch on a slow store answers before its deadline: every item is stored or parked', async () => {
    const deps = fakeDeps({ commit: () => new Promise((r) => setTimeout(r, 40)) });
    const meta = signedMeta(config.secrets.META_APP_SECRET!, waBatch(300));
    const start = Date.now();
    const deadline = start + 3_000; // reserve 2 s: nothing new starts after ~1 s
    const res = await handleWebhook(deps, config, request('POST', meta.path, meta.body, meta.headers), { deadline });
    expect(res.statusCode).toBe(200);
    expect(Date.now()).toBeLessThan(deadline);
    const parked = deps.parked.map((j) => (j.kind === 'ingest' ? j.message.providerMessageId : ''));
    const stored = deps.committed;
    expect(parked.length).toBeGreaterThan(0);
    expect(new Set([...parked, ...stored]).size).toBe(300);
  });

  it('a parking failure after the budget ran out is a 503, never a 2xx', async () => {
    const deps = fakeDeps({ commit: () => new Promise((r) => setTimeout(r, 40)), park: () => Promise.reject(new Error('SQS down')) });
    const meta = signedMeta(config.secrets.META_APP_SECRET!, waBatch(300));
    const res = await handleWebhook(deps, config, request('POST', meta.path, meta.body, meta.headers), { deadline: Date.now() + 2_500 });
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('temporarily_unavailable');
  });

  it('two messages of one conversation in one batch land in order', async () => {
    const order: string[] = [];
    const deps = fakeDeps({ commit: async (id) => void order.push(id) });
    const meta = signedMeta(config.secrets.META_APP_SECRET!, waBatch(2, '15550001111'));
    await handleWebhook(deps, config, request('POST', meta.path, meta.body, meta.headers));
    expect(order).toEqual(['wamid.0', 'wamid.1']);
  });
});

// ---------- helpers ----------

function waBatch(n: number, from?: string): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550009999', phone_number_id: 'PN1' },
              messages: Array.from({ length: n }, (_, i) => ({ from: from ?? String(15551000000 + i), id: `wamid.${i}`, timestamp: '1700000000', type: 'text', text: { body: `m${i}` } })),
            },
          },
        ],
      },
    ],
  };
}

function inbound(id: string): InboundMessage {
  return {
    provider: 'meta',
    channel: 'whatsapp',
    providerMessageId: id,
    threadKey: `PN1|1555`,
    from: '1555',
    to: 'PN1',
    identity: { kind: 'wa', value: '1555' },
    text: 'x',
    attachments: [],
    receivedAt: now.toISOString(),
  };
}

interface FakeDeps extends CoreDeps {
  readonly parked: Job[];
  readonly committed: string[];
  readonly dead: Array<{ queue: string; body: string | Job; reason: string }>;
}

/** In-memory deps: an empty store whose commit can be slowed or failed, recording queues. */
function fakeDeps(o: { commit?: (providerMessageId: string) => Promise<unknown>; park?: () => Promise<void> } = {}): FakeDeps {
  const parked: Job[] = [];
  const committed: string[] = [];
  const dead: FakeDeps['dead'] = [];
  const store = {
    getIngestContext: async () => ({}),
    commitIngest: async (w: { message: { providerMessageId?: string } }) => {
      await (o.commit ?? (() => Promise.resolve()))(w.message.providerMessageId!);
      committed.push(w.message.providerMessageId!);
    },
    markFollowUpsEnqueued: async () => undefined,
    claimNonce: async () => true,
  } as unknown as TicketStore;
  return {
    parked,
    committed,
    dead,
    store,
    contacts: {} as CoreDeps['contacts'],
    jobs: { enqueue: async () => undefined },
    parking: {
      parkAll: async (jobs) => {
        if (o.park) await o.park();
        parked.push(...jobs);
      },
    },
    deadLetters: {
      send: async (queue, body, reason) => {
        dead.push({ queue, body, reason });
        return true;
      },
    },
    retries: { retryIn: async () => undefined },
    metrics: new RecordingMetrics(),
    senders: {},
    attachments: { put: async () => undefined, downloadUrl: async () => '', getObject: async () => Buffer.alloc(0) },
    http: { getText: async () => '' },
    clock: { now: () => now },
    ids: { newId: () => Math.random().toString(36).slice(2), token: () => 'token' },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    settings: { sla: config.sla, autoAck: config.autoAck, automationRateLimitPerHour: 5, dedupeTtlDays: 14, cursorKey: 'k', followUps: defaultFollowUps() },
  };
}

// ---------- a second adversarial pass: neighbours of the fixed inputs ----------

describe('second pass: neighbours of the fixed inputs', () => {
  it('a forged Authentication-Results header cannot cancel the provider’s SPF fail (acks stay off)', async () => {
    const { sendgrid } = await import('../../functions/channels/sendgrid/index.ts');
    const raw = await rawEmail({ from: 'victim@bank.example', to: 'help@support.example', subject: 's', text: 't', headers: { 'Authentication-Results': 'mx.bank.example; dmarc=pass; spf=pass' } });
    const req = signedSendGrid(config.secrets.SENDGRID_BASIC_AUTH!, raw, { from: 'victim@bank.example', to: 'help@support.example' });
    const boundary = /boundary=(.+)$/.exec(req.headers['content-type']!)![1]!;
    const body = req.body.replace(`--${boundary}--`, `--${boundary}\r\nContent-Disposition: form-data; name="SPF"\r\n\r\nfail\r\n--${boundary}\r\nContent-Disposition: form-data; name="dkim"\r\n\r\nnone\r\n--${boundary}--`);
    const r = await sendgrid.receive(request('POST', req.path, body, req.headers), { config, now, io: { fetchText: async () => '', getObject: async () => Buffer.alloc(0), claimNonce: async () => true } });
    const event = (r as unknown as { events: Array<{ kind: string; message?: InboundMessage }> }).events[0]!;
    expect(event.message!.email!.senderAuthFailed).toBe(true);
  });

  it('Mailgun: a captured timestamp/token re-split (ts+"e0", token minus "e0") no longer verifies', async () => {
    const { verifyMailgun, mailgunSignature } = await import('../../functions/channels/mailgun/index.ts');
    const key = 'k'.repeat(20);
    const ts = String(Math.floor(now.getTime() / 1000));
    const token = `e0${'a'.repeat(48)}`;
    const signature = mailgunSignature(key, ts, token);
    expect(verifyMailgun(key, { timestamp: ts, token, signature }, now, 300)).toEqual({ ok: true });
    expect(mailgunSignature(key, `${ts}e0`, token.slice(2))).toBe(signature);
    expect(verifyMailgun(key, { timestamp: `${ts}e0`, token: token.slice(2), signature }, now, 300)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('the rate limit counts a mailbox once, whatever its spelling', async () => {
    const { canonicalMailbox } = await import('../../functions/core/email.ts');
    for (const a of ['rl@bank.example', 'RL@BANK.EXAMPLE', ' rl+1@bank.example', '"rl"@bank.example', 'rl@bank.example.', '"RL"+x@Bank.Example.']) {
      expect(canonicalMailbox(a)).toBe('rl@bank.example');
    }
  });

  it('HTML nesting is measured as a parser nests: unmatched closes and <div/> cannot hide depth', async () => {
    const { htmlDepth } = await import('../../functions/channels/email/html.ts');
    expect(htmlDepth('<ul></i>'.repeat(1000))).toBe(1000);
    expect(htmlDepth('<div></x>'.repeat(500))).toBe(500);
    expect(htmlDepth('<div/>'.repeat(300))).toBe(300);
    expect(htmlDepth('<div></div>'.repeat(1000))).toBe(1);
    expect(htmlDepth('<div><p><b>x</div><div>y</div>')).toBe(3); // </div> closes p and b too
  });

  it('participants stop at 50; the ticket item stays bounded however many mails cc strangers', () => {
    const settings = { sla: config.sla, autoAck: { enabled: false, text: '' }, automationRateLimitPerHour: 5, dedupeTtlDays: 14, cursorKey: 'k', followUps: defaultFollowUps() };
    let ticket: Ticket | undefined;
    for (let i = 0; i < 30; i++) {
      const msg: InboundMessage = {
        provider: 'postmark',
        channel: 'email',
        providerMessageId: `p${i}`,
        threadKey: `msgid:p${i}`,
        from: i === 0 ? 'cust@x.example' : `mallory${i}@evil.example`,
        to: 'help@support.example',
        identity: { kind: 'email', value: 'cust@x.example' },
        text: 'x',
        attachments: [],
        receivedAt: now.toISOString(),
        email: { subject: 's', references: [], cc: Array.from({ length: 50 }, (_, j) => `cc${i}-${j}@evil.example`), preview: 'x' },
      };
      const ctx: IngestContext = ticket ? { threadTicket: ticket, threadPointer: ticket.id } : {};
      ticket = planIngest(msg, ctx, { ticketId: 'T', contactId: 'C', messageId: `M${i}`, newId: () => Math.random().toString(36).slice(2) }, now, settings).write.ticket;
    }
    expect(ticket!.participants!.length).toBe(50);
  });

  it('a message that would not fit a parked SQS message is fitted before it is queued', async () => {
    const { storeBlobs, MAX_QUEUED_MESSAGE_BYTES } = await import('../../functions/webhook/blobs.ts');
    const puts: string[] = [];
    const deps = { ...fakeDeps(), attachments: { put: async (k: string) => void puts.push(k), downloadUrl: async () => '', getObject: async () => Buffer.alloc(0) } } as unknown as CoreDeps;
    const msg: InboundMessage = { ...inbound('big'), text: '\u0001'.repeat(60_000), email: { subject: 's', references: [], cc: [], preview: 'p', html: `<p>${'\u0002'.repeat(30_000)}</p>` } };
    const out = await storeBlobs(deps, msg, []);
    expect(Buffer.byteLength(encodeJob({ kind: 'ingest', message: out }))).toBeLessThanOrEqual(MAX_QUEUED_MESSAGE_BYTES);
    expect(out.fullTextKey).toBeDefined();
    expect(puts.some((k) => k.endsWith('body.txt'))).toBe(true);
  });
});
