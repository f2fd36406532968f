/**
 * Hostile email input: every parser reads a bounded input, every limit is a 4xx naming it, what is
 * verified always has a storable (bounded) form, and nothing a client can send makes a 500.
 * Bounds are proven by work (what the libraries are given), never by wall-clock time.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boundedMessageId, safeContentType, safeName } from '../../functions/channels/email/bounds.ts';
import { htmlDepth, MAX_HTML_DEPTH, renderHtmlAsText, stripTags } from '../../functions/channels/email/html.ts';
import { emailEvent } from '../../functions/channels/email/normalize.ts';
import { parseMultipart, type ParsedEmail } from '../../functions/channels/email/parse.ts';
import { parseAuthenticationResults, parseSendGridDkim, senderAuthFailed } from '../../functions/channels/email/sender-auth.ts';
import { mailgun, mailgunSignature } from '../../functions/channels/mailgun/index.ts';
import { postmark } from '../../functions/channels/postmark/index.ts';
import { sendgrid } from '../../functions/channels/sendgrid/index.ts';
import { clearCertificateCache, ses } from '../../functions/channels/ses/index.ts';
import { MAX_PREVIEW_LINES, previewInput, replyPreview } from '../../functions/core/email-preview.ts';
import { HttpNotFoundError } from '../../functions/core/ports.ts';
import type { ChannelEvent, InboundMessage } from '../../functions/core/types.ts';
import { EMAIL_LIMITS, MAX_WEBHOOK_BYTES } from '../../functions/spec.ts';
import { fakeIo, fixtureJson, fixtureText, httpCapture, request, testConfig } from '../helpers/fixtures.ts';

/** What the two rendering libraries were handed (they are wrapped, not replaced). */
const seen = vi.hoisted(() => ({ replyInputs: [] as string[], htmlInputs: [] as string[], htmlThrows: false }));
vi.mock('email-reply-parser', async (importOriginal) => {
  const Actual = ((await importOriginal()) as { default: new () => { parseReply(t: string): string } }).default;
  class Recording extends Actual {
    override parseReply(t: string): string {
      seen.replyInputs.push(t);
      return super.parseReply(t);
    }
  }
  return { default: Recording };
});
vi.mock('html-to-text', async (importOriginal) => {
  const actual = (await importOriginal()) as typeof import('html-to-text');
  return {
    ...actual,
    convert: (html: string, options?: Parameters<typeof actual.convert>[1]) => {
      seen.htmlInputs.push(html);
      if (seen.htmlThrows) throw new RangeError('Maximum call stack size exceeded');
      return actual.convert(html, options);
    },
  };
});
beforeEach(() => {
  seen.replyInputs.length = 0;
  seen.htmlInputs.length = 0;
  seen.htmlThrows = false;
});

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
const messageOf = (r: { kind: string; events?: readonly ChannelEvent[] }): InboundMessage => {
  const e = r.kind === 'events' ? r.events![0]! : undefined;
  if (e?.kind !== 'message') throw new Error('expected a message');
  return e.message;
};
async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A multipart/form-data body from fields and files, with a chosen boundary. */
function multipart(parts: ReadonlyArray<{ name: string; value: string | Buffer; filename?: string; type?: string }>, boundary = 'xYzZYb0undary'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`, 'utf8'));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const sgConfig = testConfig({ SENDGRID_BASIC_AUTH: 'sg:secret' });
const now = new Date('2026-02-01T00:00:00Z');
const sendgridPost = (parts: Parameters<typeof multipart>[0]) => {
  const { body, contentType } = multipart(parts);
  return sendgrid.receive(request('POST', '/webhooks/sendgrid', body, { 'content-type': contentType, authorization: basic('sg:secret') }), { config: sgConfig, now, io: fakeIo() });
};
/** SendGrid's parsed-fields post (no `headers` field); `over` replaces or adds fields. */
const parsedFields = (over: Record<string, string> = {}) =>
  Object.entries({ from: 'Ana <ana@customer.example>', to: 'help@support.example', subject: 'Hello', text: 'Hi there', ...over }).map(([name, value]) => ({ name, value }));

const mail = (over: Partial<ParsedEmail> = {}): ParsedEmail => ({
  from: { address: 'ana@customer.example', name: 'Ana' },
  to: [{ address: 'help@support.example' }],
  cc: [],
  subject: 'Hello',
  text: 'Hi',
  headers: new Map(),
  attachments: [],
  ...over,
});
const normalize = (m: ParsedEmail, providerMessageId?: string) =>
  (emailEvent(m, { provider: 'sendgrid', receivedAt: now.toISOString(), providerMessageId }) as Extract<ChannelEvent, { kind: 'message' }>).message;

describe('1. reply preview: bounded work', () => {
  it('the reply parser never reads more than maxPreviewInputBytes or MAX_PREVIEW_LINES, whatever the mail', () => {
    const hostile = ['\n'.repeat(16_000), '\r\n'.repeat(1_000_000), 'a\n \n'.repeat(100_000), '> quoted\n'.repeat(100_000), 'é'.repeat(1_000_000), 'x'.repeat(MAX_WEBHOOK_BYTES)];
    for (const text of hostile) replyPreview(text);
    expect(seen.replyInputs).toHaveLength(hostile.length);
    for (const input of seen.replyInputs) {
      expect(bytes(input)).toBeLessThanOrEqual(EMAIL_LIMITS.maxPreviewInputBytes);
      expect(input.split('\n').length).toBeLessThanOrEqual(MAX_PREVIEW_LINES);
      expect(input).not.toMatch(/\n\n\n/); // blank-line runs (the quadratic case) are collapsed
    }
  });

  it('the preview still strips quoted history, and a throwing parser falls back to a linear rendering', () => {
    expect(replyPreview('Thanks!\n\n\n\n\nOn Mon, 1 Jan 2024, Support <s@x.com> wrote:\n> old text')).toBe('Thanks!');
    const boom = () => {
      throw new Error('parser bug');
    };
    expect(replyPreview('New words\n\nOn Mon, 1 Jan 2024, Support <s@x.com> wrote:\n> old', boom)).toBe('New words');
    expect(replyPreview('> only quoted', boom)).toBe('> only quoted');
    expect(previewInput('a\n\n\n\nb   \n')).toBe('a\n\nb\n');
  });
});

describe('2. HTML rendering never throws and reads bounded, shallow input', () => {
  it('3,000 nested <div> (a RangeError in html-to-text) renders through the plain renderer', () => {
    const deep = `${'<div>'.repeat(3000)}deep text${'</div>'.repeat(3000)}`;
    expect(renderHtmlAsText(deep)).toBe('deep text');
    expect(seen.htmlInputs).toEqual([]); // the depth scan sent it to the fallback first
    const m = normalize(mail({ text: undefined, html: deep }));
    expect(m.text).toBe('deep text');
  });

  it('html-to-text only ever gets HTML within maxHtmlRenderBytes and MAX_HTML_DEPTH', () => {
    const inputs = [
      `<p>${'word '.repeat(200_000)}</p>`, // 1 MB
      '<table><tr><td>'.repeat(1000),
      `${'<b>'.repeat(MAX_HTML_DEPTH)}ok`,
      '<p>fine</p>',
    ];
    for (const html of inputs) expect(typeof renderHtmlAsText(html)).toBe('string');
    expect(seen.htmlInputs.length).toBeGreaterThan(0);
    for (const html of seen.htmlInputs) {
      expect(bytes(html)).toBeLessThanOrEqual(EMAIL_LIMITS.maxHtmlRenderBytes);
      expect(htmlDepth(html)).toBeLessThanOrEqual(MAX_HTML_DEPTH);
    }
  });

  it('a throw inside html-to-text falls back to the plain renderer instead of a 500', () => {
    seen.htmlThrows = true;
    expect(renderHtmlAsText('<p>Hello <b>there</b></p>')).toBe('Hello there');
  });

  it('the plain renderer drops script/style/comments, breaks blocks into lines and decodes entities', () => {
    expect(stripTags('<style>p{x:1}</style><p>Tom &amp; Jerry&nbsp;&lt;3</p><script>alert("<p>")</script><!-- c --><div>caf&#233; &#x1F600; &bogus;</div>')).toBe(
      'Tom & Jerry <3\n\ncafé 😀 &bogus;',
    );
    expect(stripTags('a < b and <br>c<br/>d')).toBe('a < b and\nc\nd');
    expect(stripTags('<!DOCTYPE html><P>Up</P><SCRIPT>x</SCRIPT >after')).toBe('Up\nafter');
    expect(stripTags('&#0; &#xD800; &#99999999;')).toBe('\uFFFD \uFFFD &#99999999;');
  });

  it('the plain renderer and depth scan finish on pathological input (one forward pass each)', () => {
    for (const html of ['<'.repeat(1_000_000), '<a'.repeat(500_000), `<script>${'x'.repeat(1_000_000)}`, '<!--'.repeat(250_000), `${' '.repeat(1_000_000)}x`, '&amp'.repeat(250_000)]) {
      expect(typeof stripTags(html)).toBe('string');
      expect(htmlDepth(html)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('3. multipart limits: never 200 with something cut off', () => {
  it('a 2 MiB raw SendGrid `email` and a 1.2 MB `text` field are read whole (busboy cut both at 1 MiB)', async () => {
    const attachment = Buffer.alloc(1_500_000, 'A');
    const raw = [
      'From: Ana <ana@customer.example>',
      'To: help@support.example',
      'Subject: Big',
      'Message-ID: <big-raw@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b1',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b1--',
      '',
    ].join('\r\n');
    expect(bytes(raw)).toBeGreaterThan(2_000_000); // busboy's default field limit is 1 MiB
    const m = messageOf(await sendgridPost([{ name: 'envelope', value: '{"to":["help@support.example"],"from":"ana@customer.example"}' }, { name: 'email', value: raw }]));
    expect(m.attachments[0]).toMatchObject({ name: 'big.bin', size: 1_500_000 });
    const text = 'long line of text\n'.repeat(70_000); // 1.26 MB
    const t = messageOf(await sendgridPost(parsedFields({ text })));
    expect(t.text.length).toBeGreaterThan(1_048_576);
  });

  it.each([
    ['fields', Array.from({ length: EMAIL_LIMITS.maxFormFields + 1 }, (_, i) => ({ name: `f${i}`, value: 'x' })), /more than 200 fields/],
    ['files', Array.from({ length: EMAIL_LIMITS.maxFormFiles + 1 }, (_, i) => ({ name: `attachment${i + 1}`, value: 'x', filename: `${i}.txt` })), /more than 100 files/],
    ['field size', [{ name: 'text', value: 'x'.repeat(MAX_WEBHOOK_BYTES + 1) }], /field "text" is larger/],
    ['file size', [{ name: 'attachment1', value: Buffer.alloc(MAX_WEBHOOK_BYTES + 1), filename: 'big.bin' }], /file "attachment1" is larger/],
  ])('hitting the %s limit is a 413 naming it', async (_what, parts, message) => {
    const { body, contentType } = multipart(parts);
    expect(await rejection(parseMultipart(body, contentType))).toMatchObject({ status: 413, code: 'payload_too_large', message: expect.stringMatching(message) });
  });

  it('hitting the parts limit (parts without a name count too) is a 413 naming it', async () => {
    const boundary = 'pb';
    const body = Buffer.from(`${`--${boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n`.repeat(EMAIL_LIMITS.maxFormParts + 1)}--${boundary}--\r\n`);
    expect(await rejection(parseMultipart(body, `multipart/form-data; boundary=${boundary}`))).toMatchObject({ status: 413, code: 'payload_too_large', message: expect.stringMatching(/more than 300 parts/) });
  });

  it('exactly at the limits is fine', async () => {
    const { body, contentType } = multipart([
      ...Array.from({ length: EMAIL_LIMITS.maxFormFields }, (_, i) => ({ name: `f${i}`, value: 'x' })),
      ...Array.from({ length: EMAIL_LIMITS.maxFormFiles }, (_, i) => ({ name: `a${i}`, value: 'x', filename: 'a' })),
    ]);
    const form = await parseMultipart(body, contentType);
    expect([form.fields.length, form.files.length]).toEqual([200, 100]);
  });
});

describe('4. verified means stored: a bounded form of any verified mail', () => {
  const longId = `${'x'.repeat(3000)}@customer.example`;

  it('a 450 KB subject, 12,000 Cc, 500 References and 3 KB Message-IDs are cut or hashed, and recorded', () => {
    const cc = Array.from({ length: 12_000 }, (_, i) => ({ address: `cc${i}@customer.example` }));
    const refs = Array.from({ length: 500 }, (_, i) => `<ref${i}@customer.example>`).join(' ');
    const m = normalize(mail({ subject: 'S'.repeat(450_000), cc, references: `${refs} <${longId}>`, messageId: `<${longId}>`, inReplyTo: `<${longId}>` }));
    expect(m.email!.subject).toHaveLength(EMAIL_LIMITS.maxSubjectChars);
    expect(m.email!.cc).toHaveLength(EMAIL_LIMITS.maxCc);
    expect(m.email!.references).toHaveLength(EMAIL_LIMITS.maxReferences);
    const hashed = boundedMessageId(longId).id;
    expect(hashed).toMatch(/^sha256:[0-9a-f]{64}@hashed\.invalid$/);
    // deterministic: the hashed Message-ID, In-Reply-To and newest reference match, so threading and dedupe still work
    expect([m.email!.messageId, m.email!.inReplyTo, m.email!.references.at(-1), m.providerMessageId]).toEqual([hashed, hashed, hashed, hashed]);
    expect(m.threadKey).toBe(`msgid:${hashed}`);
    expect(new Set(m.email!.truncated)).toEqual(new Set(['subject', 'cc', 'references', 'messageId', 'inReplyTo']));
    expect(bytes(JSON.stringify(m))).toBeLessThan(80_000);
  });

  it('the item stays bounded whatever a mail carries (all fields hostile at once, bodies aside)', () => {
    const huge = 'é'.repeat(100_000);
    const m = normalize(
      mail({
        from: { address: 'ana@customer.example', name: huge },
        subject: huge,
        cc: Array.from({ length: 5000 }, (_, i) => ({ address: `${'c'.repeat(300)}${i}@x.example` })),
        references: Array.from({ length: 5000 }, (_, i) => `<${'r'.repeat(600)}${i}@x>`).join(''),
        headers: new Map([['auto-submitted', huge], ['authentication-results', `x; spf=${huge}`]]),
        attachments: Array.from({ length: EMAIL_LIMITS.maxAttachments }, () => ({ filename: huge, contentType: huge, contentId: huge, content: new Uint8Array(1) })),
      }),
      huge,
    );
    const { text: _t, ...rest } = m;
    expect(bytes(JSON.stringify(rest))).toBeLessThan(200_000); // a DynamoDB item holds 400 KB; bodies over 64 KB go to the bucket
    expect(m.providerMessageId.length).toBeLessThanOrEqual(EMAIL_LIMITS.maxMessageIdChars);
  });

  it('a From (or recipient) over maxAddressChars is a 400, more than maxAttachments a 413', () => {
    const long = `${'a'.repeat(EMAIL_LIMITS.maxAddressChars)}@x.example`;
    expect(() => normalize(mail({ from: { address: long } }))).toThrow(expect.objectContaining({ status: 400, code: 'invalid_payload', message: expect.stringMatching(/From address/) }));
    expect(() => normalize(mail({ to: [{ address: long }] }))).toThrow(expect.objectContaining({ status: 400, code: 'invalid_payload' }));
    const attachments = Array.from({ length: 3000 }, () => ({ content: new Uint8Array(1) }));
    expect(() => normalize(mail({ attachments }))).toThrow(expect.objectContaining({ status: 413, code: 'payload_too_large', message: expect.stringMatching(/3000 attachments; the limit is 100/) }));
  });
});

describe('5. mail without ids dedupes on its verified content', () => {
  it('SendGrid parsed fields without `headers`: different mails get different ids, the same mail the same id', async () => {
    const a1 = messageOf(await sendgridPost(parsedFields({ text: 'first' })));
    const a2 = messageOf(await sendgridPost(parsedFields({ text: 'first' })));
    const b = messageOf(await sendgridPost(parsedFields({ text: 'second' })));
    expect(a1.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a1.providerMessageId).toBe(a2.providerMessageId);
    expect(b.providerMessageId).not.toBe(a1.providerMessageId);
    const withFile = normalize(mail({ attachments: [{ content: new Uint8Array([1]) }] }));
    expect(withFile.providerMessageId).not.toBe(normalize(mail({ attachments: [{ content: new Uint8Array([2]) }] })).providerMessageId);
  });
});

describe('6. Mailgun: a token is bound to the whole verified body', () => {
  const config = testConfig({ MAILGUN_SIGNING_KEY: 'key' });
  const ts = String(Math.floor(now.getTime() / 1000));
  const token = 'a'.repeat(50);
  const fields = (body: string) => [
    { name: 'timestamp', value: ts },
    { name: 'token', value: token },
    { name: 'signature', value: mailgunSignature('key', ts, token) },
    { name: 'Message-Id', value: '<same@customer.example>' },
    { name: 'from', value: 'ana@customer.example' },
    { name: 'recipient', value: 'help@support.example' },
    { name: 'body-plain', value: body },
  ];
  const post = (parts: Parameters<typeof multipart>[0], boundary: string) => {
    const { body, contentType } = multipart(parts, boundary);
    return request('POST', '/webhooks/mailgun', body, { 'content-type': contentType });
  };

  it('the same token and Message-Id with another body is a replay; a retry with another boundary is not', async () => {
    const io = fakeIo();
    await mailgun.receive(post(fields('genuine'), 'b1'), { config, now, io });
    await expect(mailgun.receive(post(fields('genuine'), 'other-boundary'), { config, now, io })).resolves.toMatchObject({ kind: 'events' });
    expect(await rejection(Promise.resolve(mailgun.receive(post(fields('forged'), 'b1'), { config, now, io })))).toMatchObject({ status: 403, code: 'replayed_token' });
    const extraFile = [...fields('genuine'), { name: 'attachment-1', value: 'evil', filename: 'x.exe' }];
    expect(await rejection(Promise.resolve(mailgun.receive(post(extraFile, 'b1'), { config, now, io })))).toMatchObject({ status: 403, code: 'replayed_token' });
  });

  it('message-headers of another shape is a 400, never a 500', async () => {
    const bad = [...fields('x'), { name: 'message-headers', value: '[["X-Thing", 1]]' }];
    const e = await rejection(Promise.resolve(mailgun.receive(post(bad, 'b2'), { config, now: new Date(now.getTime() + 1000), io: fakeIo() })));
    expect(e).toMatchObject({ status: 400, code: 'invalid_payload', details: [expect.objectContaining({ path: expect.stringMatching(/^message-headers/) })] });
    const notJson = [...fields('x'), { name: 'message-headers', value: '{' }];
    expect(await rejection(Promise.resolve(mailgun.receive(post(notJson, 'b3'), { config, now, io: fakeIo() })))).toMatchObject({ status: 400, code: 'invalid_payload' });
  });
});

describe('7. client mistakes are 4xx or ignored, never a 500', () => {
  it('SendGrid charsets=null and attachment-info=null are ignored (informational); a bad envelope is a 400', async () => {
    const m = messageOf(await sendgridPost(parsedFields({ charsets: 'null', 'attachment-info': 'null', envelope: '{"to":["help@support.example"]}' })));
    expect(m.text).toBe('Hi there');
    for (const envelope of ['{"to":[123]}', 'null', '{']) {
      expect(await rejection(Promise.resolve(sendgridPost(parsedFields({ envelope }))))).toMatchObject({ status: 400, code: 'invalid_payload', message: expect.stringContaining('envelope') });
    }
  });

  it('attachment content types are strict type/subtype tokens; names and text are repaired on write', async () => {
    expect(['image/пнг', 'text/html; charset=utf-8', 'IMAGE/PNG', 'x', 'a/b/c', 'text/plain\r\nX: y', undefined].map(safeContentType)).toEqual([
      'application/octet-stream',
      'text/html',
      'image/png',
      'application/octet-stream',
      'application/octet-stream',
      'application/octet-stream',
      undefined,
    ]);
    expect(safeName('in\u0000voice\u202Efdp.exe\uD800')).toBe('invoicefdp.exe\uFFFD');
    const info = JSON.stringify({ attachment1: { filename: 'pic\u0007.png', type: 'image/пнг' } });
    const m = messageOf(await sendgridPost([...parsedFields({ subject: 'bad \uD83D surrogate', 'attachment-info': info }), { name: 'attachment1', value: 'png bytes', filename: 'p.png', type: 'image/png' }]));
    expect(m.attachments[0]).toMatchObject({ name: 'pic.png', contentType: 'application/octet-stream' });
    // the same in a raw MIME part (SendGrid `email`, SES, Mailgun body-mime)
    const raw = [
      'From: ana@customer.example',
      'To: help@support.example',
      'Subject: =?UTF-8?B?' + Buffer.from('bad \uD83D x').toString('base64') + '?=',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'hi',
      '--b',
      'Content-Type: image/пнг; name="a\u0001.png"',
      'Content-Disposition: attachment; filename="a\u0001.png"',
      '',
      'bytes',
      '--b--',
      '',
    ].join('\r\n');
    const r = messageOf(await sendgridPost([{ name: 'envelope', value: '{"to":["help@support.example"]}' }, { name: 'email', value: raw }]));
    expect(r.attachments[0]).toMatchObject({ name: 'a.png', contentType: 'application/octet-stream' });
    expect(r.email!.subject.isWellFormed()).toBe(true);
    // lone surrogates only survive JSON: Postmark
    const pm = JSON.stringify({ MessageID: 'pm-1', FromFull: { Email: 'ana@customer.example', Name: 'A\uD800' }, ToFull: [{ Email: 'help@support.example' }], Subject: 'bad \uDC00', TextBody: 'x\uD83D', Attachments: [{ Name: '\uD800f.txt', Content: 'eA==', ContentType: 'text/plain\u0000' }] });
    const p = messageOf(await postmark.receive(request('POST', '/webhooks/postmark', pm, { 'content-type': 'application/json', authorization: basic('pm:secret') }), { config: testConfig({ POSTMARK_BASIC_AUTH: 'pm:secret' }), now, io: fakeIo() }));
    expect([p.email!.subject, p.text, p.displayName, p.attachments[0]!.name, p.attachments[0]!.contentType]).toEqual(['bad \uFFFD', 'x\uFFFD', 'A\uFFFD', '\uFFFDf.txt', 'application/octet-stream']);
    expect(m.email!.subject.isWellFormed()).toBe(true);
  });
});

describe('8. SNS: nothing is fetched before the post looks genuine', () => {
  const topic = 'arn:aws:sns:eu-west-1:111111111111:example-topic';
  const config = testConfig({ SNS_TOPIC_ARNS: topic });
  const fixture = fixtureJson('ses/ses-sns-1.json');
  const atFixture = new Date(Date.parse(fixture.Timestamp) + 60_000);
  const post = (body: unknown) => request('POST', '/webhooks/ses', JSON.stringify(body), { 'content-type': 'text/plain; charset=UTF-8' });
  beforeEach(() => clearCertificateCache());

  it('an implausible Signature or a stale Timestamp is refused without an outbound call', async () => {
    const io = fakeIo();
    for (const Signature of ['unsigned', 'AAAA', Buffer.alloc(100).toString('base64'), `${fixture.Signature}!`]) {
      expect(await rejection(Promise.resolve(ses.receive(post({ ...fixture, Signature }), { config, now: atFixture, io })))).toMatchObject({ status: 403, code: 'bad_signature' });
    }
    const stale = await rejection(Promise.resolve(ses.receive(post(fixture), { config, now: new Date(Date.parse(fixture.Timestamp) + 2 * 3600_000), io })));
    expect(stale).toMatchObject({ status: 403, code: 'stale_message', message: expect.stringMatching(/older than 3600 s/) });
    expect(await rejection(Promise.resolve(ses.receive(post({ ...fixture, Timestamp: 'yesterday' }), { config, now: atFixture, io })))).toMatchObject({ status: 403, code: 'stale_message' });
    expect(io.fetched).toEqual([]);
  });

  it('a certificate the SNS host does not have is 403 unknown_certificate (and not fetched again); a network failure is 503', async () => {
    const url = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-made-up.pem';
    let calls = 0;
    const missing = { ...fakeIo(), fetchText: async () => { calls++; throw new HttpNotFoundError('sns.eu-west-1.amazonaws.com', 404); } };
    for (let i = 0; i < 2; i++) {
      expect(await rejection(Promise.resolve(ses.receive(post({ ...fixture, SigningCertURL: url }), { config, now: atFixture, io: missing })))).toMatchObject({ status: 403, code: 'unknown_certificate' });
    }
    expect(calls).toBe(1);
    const down = { ...fakeIo(), fetchText: async () => { throw new Error('ECONNRESET'); } };
    const e = await rejection(Promise.resolve(ses.receive(post(fixture), { config, now: atFixture, io: down })));
    expect(e).toMatchObject({ status: 503, code: 'certificate_unavailable' });
  });

  it('createHttpFetcher throws HttpNotFoundError for a 4xx and a plain Error for a 5xx', async () => {
    const server = createServer((req, res) => res.writeHead(req.url === '/missing.pem' ? 404 : 502).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // imported here: the composition root pulls in every module, the rest of this file needs none of them
      const { createHttpFetcher } = await import('../../functions/app.ts');
      const fetcher = createHttpFetcher(testConfig());
      expect(await rejection(fetcher.getText(`${base}/missing.pem`))).toBeInstanceOf(HttpNotFoundError);
      const e = await rejection(fetcher.getText(`${base}/down.pem`));
      expect([e instanceof HttpNotFoundError, e.message]).toEqual([false, expect.stringContaining('502')]);
    } finally {
      server.close();
    }
  });
});

describe('9. sender-authentication verdicts', () => {
  it('parses Authentication-Results linearly, skipping comments', () => {
    expect(parseAuthenticationResults('amazonses.com; spf=pass (spfCheck: dkim=fail) client-ip=5.5.5.5; dkim=fail header.i=@a; dkim=pass header.i=@b; dmarc=none header.from=example.com;')).toEqual({
      spf: 'pass',
      dkim: 'pass',
      dmarc: 'none',
    });
    expect(parseAuthenticationResults('mx.example; spf=softfail smtp.mailfrom=x')).toEqual({ spf: 'softfail' });
    expect(parseAuthenticationResults(`x; ${'('.repeat(3000)} spf=fail`)).toEqual({ spf: 'fail' });
    expect(parseSendGridDkim('{@example.com : pass}')).toBe('pass');
    expect(parseSendGridDkim('{@a.com : fail, @b.com : pass}')).toBe('pass');
    expect(parseSendGridDkim('none')).toBe('none');
  });

  it('senderAuthFailed: DMARC decides; without it, SPF fail/softfail and no DKIM pass', () => {
    expect(senderAuthFailed({ dmarc: 'fail', spf: 'pass', dkim: 'pass' })).toBe(true);
    expect(senderAuthFailed({ dmarc: 'pass', spf: 'fail' })).toBe(false);
    expect(senderAuthFailed({ dmarc: 'gray', spf: 'softfail', dkim: 'none' })).toBe(true);
    expect(senderAuthFailed({ spf: 'fail', dkim: 'pass' })).toBe(false);
    expect(senderAuthFailed({ spf: 'neutral' })).toBe(false);
  });

  it('each provider reports its verdicts on the message', async () => {
    const cert = fixtureText('ses/ses-sns-signing-cert.pem');
    clearCertificateCache();
    const sesIo = fakeIo({ certs: { 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a86cb10b4e1f29c941702d737128f7b6.pem': cert } });
    const sesFixture = fixtureJson('ses/ses-sns-1.json');
    const sesMsg = messageOf(
      await ses.receive(request('POST', '/webhooks/ses', JSON.stringify(sesFixture), { 'content-type': 'text/plain' }), {
        config: testConfig({ SNS_TOPIC_ARNS: sesFixture.TopicArn }),
        now: new Date(Date.parse(sesFixture.Timestamp) + 1000),
        io: sesIo,
      }),
    );
    expect(sesMsg.email).toMatchObject({ senderAuth: { spf: 'pass', dkim: 'pass', dmarc: 'gray' }, senderAuthFailed: false });

    const sg = httpCapture('sendgrid/sendgrid-1.txt');
    const sgMsg = messageOf(await sendgrid.receive(request('POST', '/webhooks/sendgrid', sg.body, { 'content-type': sg.headers['content-type']!, authorization: basic('sg:secret') }), { config: sgConfig, now, io: fakeIo() }));
    expect(sgMsg.email).toMatchObject({ senderAuth: { spf: 'pass', dkim: 'none' }, senderAuthFailed: false });
    const spoof = messageOf(await sendgridPost(parsedFields({ SPF: 'softfail', dkim: '{@customer.example : fail}' })));
    expect(spoof.email).toMatchObject({ senderAuth: { spf: 'softfail', dkim: 'fail' }, senderAuthFailed: true });

    const mg = httpCapture('mailgun/mailgun-1.txt');
    const mgMsg = messageOf(await mailgun.receive(request('POST', '/webhooks/mailgun', mg.body, { 'content-type': mg.headers['content-type']! }), { config: testConfig({ MAILGUN_SIGNING_KEY: 'foo' }), now: new Date(1366071615 * 1000 + 10_000), io: fakeIo() }));
    expect(mgMsg.email).toMatchObject({ senderAuth: { spf: 'pass' }, senderAuthFailed: false });

    const plain = normalize(mail());
    expect(plain.email).not.toHaveProperty('senderAuth');
    const dmarcFail = normalize(mail({ headers: new Map([['authentication-results', 'mx.example; spf=pass; dkim=pass; dmarc=fail header.from=bank.example']]) }));
    expect(dmarcFail.email).toMatchObject({ senderAuth: { dmarc: 'fail' }, senderAuthFailed: true });
  });
});

afterEach(() => vi.restoreAllMocks());
