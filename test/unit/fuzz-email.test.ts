/**
 * Property-based fuzzing of the email channels' parsers and normalizers (SendGrid, Mailgun,
 * Postmark, SES via SNS). Every request is correctly authenticated/signed, so fuzzing reaches the
 * MIME, multipart, form and JSON parsers. Property (test/helpers/fuzz.ts): receive() returns
 * well-formed events that each fit one DynamoDB item once the service has moved long bodies to the
 * bucket, or throws a 4xx ClientError; anything else is a would-be 500. Bound on work: bytes read
 * by JSON.parse, by postal-mime, by the reply parser and by the HTML renderer are metered.
 *
 * The properties also cover, class by class, the email defects being fixed now (see EMAIL_LIMITS in
 * functions/spec.ts): multipart limits (413/400, never 200 with parts cut off), deep HTML, bounded
 * reply parsing and HTML rendering, validated SendGrid/Mailgun JSON fields, sanitized attachment
 * Content-Types, and items that fit (subject, cc, references, Message-IDs).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { rawEmail } from '../../bin/simulate.ts';
import { parseMultipart } from '../../functions/channels/email/parse.ts';
import { mailgun } from '../../functions/channels/mailgun/index.ts';
import { postmark } from '../../functions/channels/postmark/index.ts';
import { sendgrid } from '../../functions/channels/sendgrid/index.ts';
import { ses } from '../../functions/channels/ses/index.ts';
import type { ChannelModule, ReceiveResult } from '../../functions/channels/types.ts';
import { ClientError } from '../../functions/core/errors.ts';
import { EMAIL_LIMITS } from '../../functions/spec.ts';
import { fixtureJson, httpCapture } from '../helpers/fixtures.ts';
import {
  announceSeed,
  applyMutations,
  fcParams,
  fuzzContext,
  hugeString,
  keyedJson,
  keysOf,
  multipart,
  mutation,
  nastyString,
  property,
  serialize,
  sign,
  weirdValue,
  WouldBe500,
  type FormPairs,
} from '../helpers/fuzz.ts';

// ---- meters on the libraries that do the heavy lifting (hoisted with the mocks)
const meter = vi.hoisted(() => ({ htmlChars: 0, replyChars: 0 }));
vi.mock('html-to-text', async (importOriginal) => {
  const orig = await importOriginal<typeof import('html-to-text')>();
  return {
    ...orig,
    convert: (html: string, options?: Parameters<typeof orig.convert>[1]) => {
      meter.htmlChars = Math.max(meter.htmlChars, html.length);
      return orig.convert(html, options);
    },
  };
});
vi.mock('email-reply-parser', async (importOriginal) => {
  const orig = await importOriginal<typeof import('email-reply-parser')>();
  class MeteredParser extends orig.default {
    override parseReply(text: string): string {
      meter.replyChars = Math.max(meter.replyChars, text.length);
      return super.parseReply(text);
    }
  }
  return { ...orig, default: MeteredParser };
});

announceSeed('fuzz-email');

const RUNS = 100;
const TIMEOUT = 90_000;

/** Content-Types we would hand to S3 and later to browsers: one plain type/subtype, optional parameters, no control characters. */
const SAFE_CONTENT_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}(\s*;\s*[\w!#$&^.+-]+=("[\x20-\x21\x23-\x7e]*"|[\w!#$&^.+-]+))*$/;

/** The email property: the shared one, plus the metered libraries and sanitized attachment types. */
async function emailProperty(module: ChannelModule, req: ReturnType<typeof sign.postmark>): Promise<void> {
  meter.htmlChars = 0;
  meter.replyChars = 0;
  const ctx = fuzzContext();
  let result: ReceiveResult | undefined;
  const spy = { receive: async (r: typeof req, c: typeof ctx) => (result = await module.receive(r, c)), provider: module.provider };
  await property(spy, req, ctx);
  if (meter.replyChars > EMAIL_LIMITS.maxPreviewInputBytes) {
    throw new WouldBe500(`${module.provider}: the reply parser read ${meter.replyChars} chars (limit ${EMAIL_LIMITS.maxPreviewInputBytes})`);
  }
  if (meter.htmlChars > EMAIL_LIMITS.maxHtmlRenderBytes) {
    throw new WouldBe500(`${module.provider}: the HTML renderer read ${meter.htmlChars} chars (limit ${EMAIL_LIMITS.maxHtmlRenderBytes})`);
  }
  if (result?.kind === 'events') {
    for (const e of result.events) {
      if (e.kind !== 'message') continue;
      if (e.message.attachments.length > EMAIL_LIMITS.maxAttachments) throw new WouldBe500(`${module.provider}: ${e.message.attachments.length} attachments`);
      for (const a of e.message.attachments) {
        if (a.contentType !== undefined && !SAFE_CONTENT_TYPE.test(a.contentType)) throw new WouldBe500(`${module.provider}: unsanitized attachment Content-Type ${JSON.stringify(a.contentType).slice(0, 120)}`);
      }
      const em = e.message.email;
      if (em && em.subject.length > EMAIL_LIMITS.maxSubjectChars) throw new WouldBe500(`${module.provider}: subject of ${em.subject.length} chars kept`);
      if (em && em.cc.length > EMAIL_LIMITS.maxCc) throw new WouldBe500(`${module.provider}: ${em.cc.length} cc kept`);
      if (em && em.references.length > EMAIL_LIMITS.maxReferences) throw new WouldBe500(`${module.provider}: ${em.references.length} references kept`);
      for (const id of [em?.messageId, em?.inReplyTo, ...(em?.references ?? [])]) {
        if (id !== undefined && id.length > EMAIL_LIMITS.maxMessageIdChars) throw new WouldBe500(`${module.provider}: a Message-ID of ${id.length} chars kept`);
      }
    }
  }
}

// ---------------------------------------------------------------- MIME corpus and mutations

const mimeCorpus: string[] = [];
beforeAll(async () => {
  mimeCorpus.push(
    await rawEmail({ from: 'Ada <ada@customer.example>', to: 'help@support.example', subject: 'Late order', text: 'Where is it?\n\nOn Mon, Support <s@x> wrote:\n> old', messageId: 'a1@customer.example', references: ['r1@x', 'r2@x'], inReplyTo: 'r2@x' }),
    await rawEmail({
      from: 'b@customer.example',
      to: 'help@support.example',
      cc: ['c@x.example', 'd@x.example'],
      subject: 'With files',
      text: 'see attached',
      html: '<p>see <b>attached</b></p>',
      attachments: [{ filename: 'a.txt', content: 'hello', contentType: 'text/plain' }, { filename: 'b.bin', content: 'xyz', contentType: 'application/octet-stream' }],
      headers: { 'Auto-Submitted': 'auto-replied' },
    }),
  );
  mimeCorpus.push(...[...fixtureJson('ses/ses-sns-1.json').Message.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string));
});

const HEADER_NAMES = ['From', 'To', 'Cc', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Date', 'Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition', 'Auto-Submitted', 'Precedence', 'Return-Path', 'List-Id', 'MIME-Version'];

const deepHtml = fc.tuple(fc.integer({ min: 100, max: 150_000 }), fc.constantFrom('div', 'b', 'table', 'ul><li', 'span')).map(([n, tag]) => `<html><body>${`<${tag}>`.repeat(n)}deep${`</${tag.split('><')[0]}>`.repeat(n)}</body></html>`);
const nestedMultipart = fc.integer({ min: 10, max: 3_000 }).map((n) => {
  let body = 'Content-Type: text/plain\r\n\r\ninner\r\n';
  for (let i = 0; i < n; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
  return body;
});

const headerValue = fc.oneof(
  { weight: 5, arbitrary: nastyString(60) },
  { weight: 1, arbitrary: hugeString(40_000) },
  { weight: 1, arbitrary: fc.integer({ min: 51, max: 5_000 }).map((n) => Array.from({ length: n }, (_, i) => `c${i}@x.example`).join(', ')) },
  { weight: 1, arbitrary: fc.integer({ min: 51, max: 5_000 }).map((n) => Array.from({ length: n }, (_, i) => `<r${i}@x.example>`).join(' ')) },
  { weight: 1, arbitrary: fc.integer({ min: 600, max: 200_000 }).map((n) => `<${'m'.repeat(n)}@x.example>`) },
  { weight: 1, arbitrary: fc.constantFrom('text/html; charset=utf-7', 'text/plain; charset=x-unknown', 'multipart/mixed', 'multipart/mixed; boundary=""', 'application/x-evil\r\nX-Injected: 1', 'text/html\u0000', 'base64', 'quoted-printable', 'x-uuencode', 'attachment; filename="../../etc/passwd"') },
);

type MimeMutation =
  | { op: 'header'; name: string; value: string }
  | { op: 'repeat-header'; at: number; times: number }
  | { op: 'body'; value: string }
  | { op: 'html'; value: string }
  | { op: 'nest'; value: string }
  | { op: 'cut'; at: number }
  | { op: 'attachments'; n: number; type: string };

const mimeMutation: fc.Arbitrary<MimeMutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('header' as const), name: fc.oneof(fc.constantFrom(...HEADER_NAMES), nastyString(10)), value: headerValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat-header' as const), at: fc.nat(), times: fc.integer({ min: 2, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('body' as const), value: fc.oneof(nastyString(200), hugeString(200_000)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('html' as const), value: fc.oneof(deepHtml, nastyString(200).map((s) => `<p>${s}</p>`)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), value: nestedMultipart }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('attachments' as const), n: fc.integer({ min: 1, max: 400 }), type: fc.oneof(nastyString(30), fc.constantFrom('text/html', 'image/svg+xml', 'text/plain\r\nX-Evil: 1', 'a/b; charset="\u0001"')) }) },
);

function mutateMime(raw: string, muts: readonly MimeMutation[]): string {
  let sep = raw.indexOf('\r\n\r\n');
  if (sep < 0) sep = raw.length;
  let headers = raw.slice(0, sep).split('\r\n');
  let body = raw.slice(sep + 4);
  for (const m of muts) {
    switch (m.op) {
      case 'header':
        headers = headers.filter((h) => !h.toLowerCase().startsWith(`${m.name.toLowerCase()}:`));
        headers.push(`${m.name}: ${m.value}`);
        break;
      case 'repeat-header': {
        const h = headers[m.at % Math.max(1, headers.length)] ?? 'X-A: b';
        headers.push(...Array<string>(m.times).fill(h));
        break;
      }
      case 'body':
        headers = headers.filter((h) => !/^content-(type|transfer-encoding):/i.test(h));
        body = m.value;
        break;
      case 'html':
        headers = headers.filter((h) => !/^content-(type|transfer-encoding):/i.test(h));
        headers.push('Content-Type: text/html; charset=utf-8');
        body = m.value;
        break;
      case 'nest': {
        headers = headers.filter((h) => !/^content-(type|transfer-encoding):/i.test(h));
        const cut = m.value.indexOf('\r\n\r\n');
        headers.push(m.value.slice(0, cut));
        body = m.value.slice(cut + 4);
        break;
      }
      case 'cut':
        body = body.slice(0, m.at % Math.max(1, body.length));
        break;
      case 'attachments': {
        headers = headers.filter((h) => !/^content-(type|transfer-encoding):/i.test(h));
        headers.push('Content-Type: multipart/mixed; boundary="fz"');
        const part = (i: number) => `--fz\r\nContent-Type: ${m.type}\r\nContent-Disposition: attachment; filename="f${i}"\r\n\r\nx\r\n`;
        body = `--fz\r\nContent-Type: text/plain\r\n\r\nbody\r\n${Array.from({ length: m.n }, (_, i) => part(i)).join('')}--fz--\r\n`;
        break;
      }
    }
  }
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

const mutatedMime = fc.tuple(fc.nat(), fc.array(mimeMutation, { minLength: 1, maxLength: 4 })).map(([i, muts]) => mutateMime(mimeCorpus[i % mimeCorpus.length]!, muts));

// ---------------------------------------------------------------- SendGrid

const sgCapture = httpCapture('sendgrid/sendgrid-1.txt');
type Part = { name: string; value: string | Buffer; filename?: string; contentType?: string };
let sgParts: Part[] = [];
beforeAll(async () => {
  const form = await parseMultipart(sgCapture.body, sgCapture.headers['content-type']!);
  sgParts = [
    ...form.fields.map(([name, value]) => ({ name, value })),
    ...form.files.map((f) => ({ name: f.field, value: f.content, ...(f.filename ? { filename: f.filename } : {}), ...(f.contentType ? { contentType: f.contentType } : {}) })),
  ];
});
const SG_FIELDS = ['headers', 'from', 'to', 'cc', 'subject', 'text', 'html', 'envelope', 'charsets', 'attachment-info', 'attachments', 'email', 'SPF', 'dkim', 'spam_score', 'attachment1', 'attachment2'];
const JSON_FIELDS = new Set(['envelope', 'charsets', 'attachment-info', 'message-headers']);

/** A value for a form field: JSON fields get any JSON (wrong types, nulls), others nasty text. */
const fieldValue = (name: string): fc.Arbitrary<string> =>
  JSON_FIELDS.has(name)
    ? fc.oneof(weirdValue.map(serialize), keyedJson(['to', 'from', 'email', 'text', 'html', 'subject', 'filename', 'type', 'content-id', 'attachment1', 'attachment2', 'name'], 3).map(serialize), nastyString())
    : name === 'html'
      ? fc.oneof(nastyString(), deepHtml)
      : name === 'email'
        ? fc.oneof(mutatedMime, nastyString())
        : fc.oneof({ weight: 4, arbitrary: nastyString(80) }, { weight: 1, arbitrary: hugeString(30_000) }, { weight: 1, arbitrary: headerValue });

const partMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'delete', 'insert', 'file-type'),
  name: fc.constantFrom(...SG_FIELDS),
  seed: fc.nat(),
});

describe('SendGrid Inbound Parse', () => {
  it('the real capture passes as it is (sanity)', async () => {
    const { body, contentType } = multipart(sgParts);
    await emailProperty(sendgrid, sign.sendgrid(body, contentType));
  });

  it(
    'mutated capture: fields replaced (JSON fields with any JSON), deleted, inserted, attachment types garbled',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(partMutation, { minLength: 1, maxLength: 5 }).chain((muts) => fc.tuple(fc.constant(muts), fc.tuple(...muts.map((m) => fieldValue(m.name))))),
          async ([muts, values]) => {
            const parts: Part[] = sgParts.map((p) => ({ ...p }));
            muts.forEach((m, i) => {
              const at = m.at % Math.max(1, parts.length);
              const v = values[i]!;
              if (m.op === 'replace' && parts[at]) parts[at] = { ...parts[at]!, value: v };
              else if (m.op === 'delete') parts.splice(at, 1);
              else if (m.op === 'insert') parts.splice(at, 0, { name: m.name, value: v });
              else if (m.op === 'file-type' && parts[at]) parts[at] = { ...parts[at]!, contentType: v.replace(/[\r\n]/g, ' ').slice(0, 200) };
            });
            const { body, contentType } = multipart(parts);
            await emailProperty(sendgrid, sign.sendgrid(body, contentType));
          },
        ),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );

  it(
    'raw mode: a mutated MIME message in `email`',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedMime, fc.oneof(fc.constant('{"to":["help@support.example"],"from":"a@b.c"}'), weirdValue.map(serialize)), async (mime, envelope) => {
          const { body, contentType } = multipart([{ name: 'envelope', value: envelope }, { name: 'email', value: mime }, { name: 'charsets', value: '{"email":"UTF-8"}' }]);
          await emailProperty(sendgrid, sign.sendgrid(body, contentType));
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    `more than ${EMAIL_LIMITS.maxFormParts} parts is refused (413/400), never a 200 with parts cut off`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: EMAIL_LIMITS.maxFormParts + 1, max: 5_000 }), fc.constantFrom('x-extra', 'attachment1', 'text'), async (n, name) => {
          const { body, contentType } = multipart([...sgParts, ...Array.from({ length: n }, (_, i) => ({ name: name === 'x-extra' ? `x-extra${i}` : name, value: 'v' }))]);
          await expectRefused(sendgrid, sign.sendgrid(body, contentType));
        }),
        fcParams(10),
      );
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------- Mailgun

const MG_FIELDS = ['recipient', 'sender', 'from', 'From', 'To', 'Cc', 'subject', 'Subject', 'body-plain', 'body-html', 'stripped-text', 'Message-Id', 'In-Reply-To', 'References', 'Date', 'message-headers', 'body-mime', 'attachment-count', 'X-Mailgun-Spf', 'X-Mailgun-Dkim-Check-Result'];
const mgBase: FormPairs = [
  ['recipient', 'help@support.example'],
  ['sender', 'ada@customer.example'],
  ['from', 'Ada <ada@customer.example>'],
  ['To', 'help@support.example'],
  ['subject', 'Late order'],
  ['body-plain', 'Where is it?'],
  ['Message-Id', '<m1@customer.example>'],
  ['message-headers', JSON.stringify([['Auto-Submitted', 'no'], ['Received', 'x']])],
];
let mgToken = 0;

describe('Mailgun', () => {
  const mgCapture = httpCapture('mailgun/mailgun-1.txt');

  it(
    'urlencoded forwards: fields replaced with anything (message-headers with any JSON), deleted, inserted',
    async () => {
      const muts = fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'replace', 'delete', 'insert'), name: fc.constantFrom(...MG_FIELDS) }), { minLength: 1, maxLength: 5 });
      await fc.assert(
        fc.asyncProperty(muts.chain((ms) => fc.tuple(fc.constant(ms), fc.tuple(...ms.map((m) => (m.name === 'body-mime' ? mutatedMime : fieldValue(m.name === 'message-headers' ? m.name : m.name === 'body-html' ? 'html' : m.name)))))), async ([ms, values]) => {
          const pairs: FormPairs = mgBase.map(([k, v]) => [k, v]);
          ms.forEach((m, i) => {
            const at = m.at % Math.max(1, pairs.length);
            if (m.op === 'replace' && pairs[at]) pairs[at]![1] = values[i]!;
            else if (m.op === 'delete') pairs.splice(at, 1);
            else pairs.splice(at, 0, [m.name, values[i]!]);
          });
          const body = new URLSearchParams([...pairs, ...sign.mailgunFields(`fuzz-token-${++mgToken}`.padEnd(50, "x"))]).toString();
          await emailProperty(mailgun, sign.mailgun(body, 'application/x-www-form-urlencoded'));
        }),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );

  it(
    `multipart forwards: more than ${EMAIL_LIMITS.maxFormParts} parts is refused (413/400)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: EMAIL_LIMITS.maxFormParts + 1, max: 5_000 }), fc.boolean(), async (n, files) => {
          const parts = [...mgBase, ...sign.mailgunFields(`fuzz-token-${++mgToken}`.padEnd(50, "x"))].map(([name, value]) => ({ name, value }));
          const extra = Array.from({ length: n }, (_, i) => (files ? { name: `attachment-${i + 1}`, value: 'x', filename: `f${i}.txt`, contentType: 'text/plain' } : { name: `x-field-${i}`, value: 'v' }));
          const { body, contentType } = multipart([...parts, ...extra]);
          await expectRefused(mailgun, sign.mailgun(body, contentType));
        }),
        fcParams(10),
      );
    },
    TIMEOUT,
  );

  it('the real multipart capture is accepted at its own time (sanity for the multipart path)', async () => {
    const ctx = { ...fuzzContext(), now: new Date(1366071615 * 1000 + 10_000) };
    const cfg = { ...ctx.config, secrets: { ...ctx.config.secrets, MAILGUN_SIGNING_KEY: 'foo' } };
    const r = await mailgun.receive(sign.mailgun(mgCapture.body, mgCapture.headers['content-type']!), { ...ctx, config: cfg });
    expect(r.kind).toBe('events');
  });
});

// ---------------------------------------------------------------- Postmark

const pmDoc = JSON.parse(httpCapture('postmark/postmark-1.txt').body.toString('utf8')) as Record<string, unknown>;
const pmKeys = [...new Set([...keysOf(pmDoc), 'RawEmail', 'ContentID', 'OriginalRecipient'])];

describe('Postmark', () => {
  it(
    'mutated real capture (replace, delete, retype, wrap, duplicate, insert at random paths)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation(pmKeys), { minLength: 1, maxLength: 6 }), async (muts) => {
          await emailProperty(postmark, sign.postmark(serialize(applyMutations(pmDoc, muts))));
        }),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );
  it(
    'random JSON with the real keys, and RawEmail with mutated MIME',
    async () => {
      const doc = fc.oneof(
        keyedJson(pmKeys),
        fc.record({ MessageID: nastyString(), RawEmail: mutatedMime, OriginalRecipient: fc.oneof(nastyString(), fc.constant('help@support.example')) }),
        fc.record({ MessageID: fc.constant('m'), FromFull: fc.record({ Email: fc.oneof(nastyString(), fc.constant('a@b.c')) }), ToFull: fc.constant([{ Email: 'help@support.example' }]), Subject: headerValue, HtmlBody: deepHtml, TextBody: fc.oneof(nastyString(), hugeString(100_000)), Headers: fc.array(fc.record({ Name: fc.constantFrom(...HEADER_NAMES), Value: headerValue }), { maxLength: 5 }), Attachments: fc.array(fc.record({ Name: nastyString(), Content: fc.constant('aGk='), ContentType: nastyString(30) }), { maxLength: 3 }) }),
      );
      await fc.assert(
        fc.asyncProperty(doc, async (d) => {
          await emailProperty(postmark, sign.postmark(serialize(d)));
        }),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------- SES via SNS

const sesReceipt = JSON.parse(fixtureJson('ses/ses-sns-1.json').Message as string) as Record<string, unknown>;
sesReceipt['receipt'] = { ...(sesReceipt['receipt'] as object), action: { type: 'SNS', topicArn: 'arn:aws:sns:us-east-1:000000000000:local-ses-inbound', encoding: 'UTF8' } };
const sesKeys = [...new Set([...keysOf(sesReceipt), 'bucketName', 'objectKey', 'encoding'])];

describe('SES via SNS', () => {
  it(
    'mutated receipt notifications (any field, wrong types) around mutated MIME content',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation(sesKeys), { maxLength: 4 }), mutatedMime, fc.constantFrom('UTF8', 'BASE64'), async (muts, mime, encoding) => {
          const receipt = structuredClone(sesReceipt) as any;
          receipt.content = encoding === 'BASE64' ? Buffer.from(mime, 'utf8').toString('base64') : mime;
          receipt.receipt.action.encoding = encoding;
          await emailProperty(ses, sign.ses(serialize(applyMutations(receipt, muts))));
        }),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );
  it(
    'random Message values (not JSON, JSON of any shape)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(nastyString(), keyedJson(sesKeys).map(serialize)), async (message) => {
          await emailProperty(ses, sign.ses(message));
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );
});

/** A webhook over an email limit must be refused with a 4xx (the limit named), never stored cut short. */
async function expectRefused(module: ChannelModule, req: ReturnType<typeof sign.postmark>): Promise<void> {
  try {
    await module.receive(req, fuzzContext());
  } catch (e) {
    if (e instanceof ClientError && (e.status === 413 || e.status === 400)) return;
    throw new WouldBe500(`${module.provider}: over the multipart limit it threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  throw new WouldBe500(`${module.provider}: a form over ${EMAIL_LIMITS.maxFormParts} parts was accepted (busboy drops what is over its limits silently)`);
}
