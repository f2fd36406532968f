/** The simulator's command line: help, signing URL, Message-IDs, unreachable servers, printed outcomes. */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONS, buildRequest, classify, helpText, main, parseCli, signingBaseUrl, unreachableMessage, type TicketSummary } from '../../bin/simulate-cli.ts';
import { rawEmail, signedMailgun, signedPostmark } from '../../bin/simulate.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';

const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('simulate --help', () => {
  it('lists every option the CLI parses, each with an example that uses it', async () => {
    const text = helpText();
    const names = Object.keys(OPTIONS);
    expect(names.length).toBeGreaterThan(20);
    for (const [name, o] of Object.entries(OPTIONS)) {
      expect(text, `--${name} missing from --help`).toContain(`--${name}`);
      expect(o.help.trim().length, `--${name} has no help`).toBeGreaterThan(3);
      expect(o.example, `--${name}'s example does not use it`).toMatch(new RegExp(`--${name}(\\s|$)`));
      expect(text).toContain(`e.g. ${o.example}`);
    }
    // The options parseArgs accepts are exactly the table's: an unknown one is refused.
    for (const name of names) expect(() => parseCli(['twilio', `--${name}`, ...(OPTIONS[name as keyof typeof OPTIONS].type === 'string' ? ['x'] : [])])).not.toThrow();
    expect(() => parseCli(['twilio', '--not-an-option'])).toThrow();
  });

  it('prints the help with or without a provider and exits 0; no provider is a usage error pointing at --help', async () => {
    for (const argv of [['--help'], ['-h'], ['twilio', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out).toContain('--public-base-url');
      expect(r.out).toContain('--sid');
      expect(r.out).toContain('--handshake');
      expect(r.out).toContain('--crc');
    }
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--help');
    const unknown = await run(['twilio', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--help');
  });
});

describe('simulate README', () => {
  it("the Quick start's option list names every option, and the curl follows PORT", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const list = readme.slice(readme.indexOf('Simulator options'), readme.indexOf('Other scripts:'));
    for (const name of Object.keys(OPTIONS)) expect(list, `README misses --${name}`).toContain(`\`--${name}`);
    expect(readme).toContain('localhost:${PORT:-3000}/v1/tickets');
    expect(readme).not.toMatch(/--bad-signature[^\n]*# 403, nothing stored \(any provider\)/);
  });
});

describe('simulate signing URL', () => {
  it("signs for the server's own rule: PUBLIC_BASE_URL, else http://localhost:<port of --url>", () => {
    expect(signingBaseUrl('http://127.0.0.1:4123', undefined, {}).url).toBe('http://localhost:4123');
    expect(signingBaseUrl('http://localhost:4123/', undefined, {}).url).toBe('http://localhost:4123');
    expect(signingBaseUrl('http://[::1]:4123', undefined, {}).url).toBe('http://localhost:4123');
    expect(signingBaseUrl('http://127.0.0.1:4123', undefined, { PUBLIC_BASE_URL: 'https://abc.ngrok.app/' }).url).toBe('https://abc.ngrok.app');
    expect(signingBaseUrl('http://127.0.0.1:4123', 'https://flag.example', { PUBLIC_BASE_URL: 'https://abc.ngrok.app' }).url).toBe('https://flag.example');
    // A deployment: its URL is what it verifies (unless told otherwise).
    expect(signingBaseUrl('https://api.support.example/', undefined, {}).url).toBe('https://api.support.example');
  });

  it('a Twilio post to 127.0.0.1 is signed for http://localhost:<port> and says so', async () => {
    const built = await buildRequest('twilio', parseCli(['twilio', '--from', '+15551230000']).values, signingBaseUrl('http://127.0.0.1:4123', undefined, {}).url, {});
    const form = new URLSearchParams(built.req.body);
    expect(built.req.headers['x-twilio-signature']).toBe(expectedTwilioSignature(LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN, 'http://localhost:4123/webhooks/twilio', [...form]));
  });
});

describe('simulate Message-IDs', () => {
  const mail = { from: 'Ada <ada@customer.example>', to: 'help@support.example', subject: 'S', text: 'T' };
  const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1];

  it('with or without angle brackets sign the same (Message-ID and In-Reply-To)', async () => {
    for (const [a, b] of [
      ['<m1@x.example>', 'm1@x.example'],
      [' <m1@x.example> ', 'm1@x.example'],
    ] as const) {
      const mg = (id: string) => new URLSearchParams(signedMailgun('k', { ...mail, messageId: id, inReplyTo: id, references: [id] }, { timestamp: 1, token: 't' }).body);
      expect(mg(a).toString()).toBe(mg(b).toString());
      expect(mg(a).get('Message-Id')).toBe('<m1@x.example>');
      expect(mg(a).get('In-Reply-To')).toBe('<m1@x.example>');
      const pm = (id: string) => (JSON.parse(signedPostmark('u:p', { ...mail, messageId: id, inReplyTo: id }).body) as { Headers: unknown }).Headers;
      expect(pm(a)).toEqual(pm(b));
      const raw = await rawEmail({ ...mail, messageId: a, inReplyTo: a });
      expect(header(raw, 'Message-ID')).toBe('<m1@x.example>');
      expect(header(raw, 'In-Reply-To')).toBe('<m1@x.example>');
    }
  });

  it('the CLI passes --id and --in-reply-to through without doubled brackets', async () => {
    for (const id of ['<m1@x.example>', 'm1@x.example']) {
      const built = await buildRequest('mailgun', parseCli(['mailgun', '--id', id, '--in-reply-to', id]).values, 'http://localhost:3000', {});
      const f = new URLSearchParams(built.req.body);
      expect(f.get('Message-Id')).toBe('<m1@x.example>');
      expect(f.get('In-Reply-To')).toBe('<m1@x.example>');
    }
  });
});

describe('simulate against an unreachable server', () => {
  it('names the URL and says to run npm start', async () => {
    const s = createServer();
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((ok) => s.close(() => ok()));
    const url = `http://127.0.0.1:${port}`;
    const r = await run(['twilio', '--url', url]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(url);
    expect(r.err).toContain('npm start');
    expect(r.err).not.toBe('fetch failed');
    expect(unreachableMessage('http://h:1', new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toMatch(/http:\/\/h:1 \(ECONNREFUSED\)[\s\S]*npm start/);
  });
});

describe('simulate outcome', () => {
  /** Answers like the local stack: the Twilio webhook (signature checked for http://localhost:<port>, deduped by MessageSid) and GET /v1/tickets. */
  let server: Server;
  let url: string;
  let port: number;
  const tickets: (TicketSummary & { sids: Set<string> })[] = [];
  let n = 0;

  const reply = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const bodyOf = (req: IncomingMessage) =>
    new Promise<string>((ok) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => ok(b));
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const body = await bodyOf(req);
        if (req.method === 'GET' && req.url?.startsWith('/v1/tickets')) {
          if (req.headers.authorization !== `Bearer ${LOCAL_DEFAULTS.API_KEY}`) return reply(res, 401, { error: { code: 'unauthorized', message: 'The API key is not valid.' } });
          const list = [...tickets].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt)).map(({ sids: _s, ...t }) => t);
          return reply(res, 200, { tickets: list, nextCursor: null });
        }
        if (req.method === 'POST' && req.url === '/webhooks/twilio') {
          const form = new URLSearchParams(body);
          const expected = expectedTwilioSignature(LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN, `http://localhost:${port}/webhooks/twilio`, [...form]);
          if (req.headers['x-twilio-signature'] !== expected) {
            return reply(res, 403, { error: { code: 'bad_signature', message: 'The X-Twilio-Signature does not match this request.' } });
          }
          const from = form.get('From')!;
          const sid = form.get('MessageSid')!;
          const now = new Date(Date.now() + n++).toISOString();
          const t = tickets.find((x) => x.customerAddress === from);
          if (!t) tickets.push({ id: `T${tickets.length + 1}`, customerAddress: from, channel: 'sms', messageCount: 1, createdAt: now, lastMessageAt: now, sids: new Set([sid]) });
          else if (!t.sids.has(sid)) Object.assign(t, { messageCount: t.messageCount + 1, lastMessageAt: now }).sids.add(sid);
          return reply(res, 200, '<?xml version="1.0" encoding="UTF-8"?><Response/>', 'text/xml');
        }
        if (req.method === 'POST' && req.url === '/webhooks/postmark') return reply(res, 401, { error: { code: 'bad_credentials', message: 'The Postmark webhook credentials are wrong.' } });
        reply(res, 404, { message: 'Not Found' });
      })();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('prints new, appended and duplicate with the ticket id, and the URL it signed for', async () => {
    const sid = 'SM0123456789abcdef0123456789abcdef';
    const first = await run(['twilio', '--url', url, '--from', '+15551230000', '--sid', sid]);
    expect(first.code).toBe(0);
    expect(first.out).toContain(`signed for http://localhost:${port}/webhooks/twilio`);
    expect(first.out).toContain(`POST ${url}/webhooks/twilio -> 200`);
    expect(first.out).toMatch(/outcome: new ticket T1\b/);

    const second = await run(['twilio', '--url', url, '--from', '+15551230000', '--body', 'again']);
    expect(second.out).toMatch(/outcome: appended to ticket T1 \(now 2 messages\)/);

    const again = await run(['twilio', '--url', url, '--from', '+15551230000', '--sid', sid]);
    expect(again.out).toMatch(/outcome: duplicate: .*ticket T1/);

    const other = await run(['twilio', '--url', url, '--from', '+15557654321']);
    expect(other.out).toMatch(/outcome: new ticket T2\b/);
  });

  it("prints a refusal with the server's error; --bad-signature refusals exit 0, others 1 with a hint", async () => {
    const bad = await run(['twilio', '--url', url, '--bad-signature']);
    expect(bad.code).toBe(0);
    expect(bad.out).toContain('refused: 403 bad_signature: The X-Twilio-Signature does not match this request.');
    const pm = await run(['postmark', '--url', url, '--bad-signature']);
    expect(pm.out).toContain('refused: 401 bad_credentials');
    const wrongHost = await run(['twilio', '--url', url, '--public-base-url', 'https://elsewhere.example']);
    expect(wrongHost.code).toBe(1);
    expect(wrongHost.out).toContain('refused: 403 bad_signature');
    expect(wrongHost.out).toContain('--public-base-url');
  });

  it('says when the ticket cannot be looked up (wrong API key) but the post was accepted', async () => {
    const r = await run(['twilio', '--url', url, '--api-key', 'wrong']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/outcome: accepted \(200\); could not look the ticket up: .*401.*--api-key/);
  });

  it('classifies from the ticket list before and after', () => {
    const t = (id: string, customerAddress: string, messageCount: number, lastMessageAt = '2026-01-01T00:00:00.000Z'): TicketSummary => ({ id, customerAddress, messageCount, createdAt: '2026-01-01T00:00:00.000Z', lastMessageAt });
    const before = [t('A', '+15551230000', 1), t('B', 'ada@customer.example', 2)];
    expect(classify(before, [...before, t('C', 'whatsapp:+15550000000', 1)], '+1 555 000 0000')).toMatchObject({ kind: 'new', ticket: { id: 'C' } });
    expect(classify(before, [t('A', '+15551230000', 1), t('B', 'ada@customer.example', 3, '2026-01-02T00:00:00.000Z')], 'Ada <ADA@customer.example>')).toMatchObject({ kind: 'appended', ticket: { id: 'B' } });
    expect(classify(before, before, 'Ada <ada@customer.example>')).toMatchObject({ kind: 'duplicate', ticket: { id: 'B' } });
    expect(classify(before, before, 'nobody@else.example')).toEqual({ kind: 'unseen' });
  });
});
