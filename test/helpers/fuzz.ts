/**
 * Shared machinery for the property-based fuzz tests of the channel modules
 * (test/unit/fuzz-channels.test.ts, test/unit/fuzz-email.test.ts):
 *
 * - nasty values: lone surrogates, control and non-BMP characters, prototype keys, wrong types,
 *   huge strings, deep nesting and huge arrays (as raw JSON text, so generating them is cheap),
 * - mutations of real fixtures at random paths (replace, delete, retype, wrap, duplicate, insert),
 * - signers, so every fuzzed request passes verification and reaches the parser and normalizer,
 * - the property every run must satisfy: a well-formed result, or a ClientError with a 4xx status;
 *   anything else is a would-be 500,
 * - a bound on work: the bytes handed to JSON.parse, the number of events and the bytes of output
 *   are each at most a linear function of the input size (no wall-clock assertion).
 */
import { createHash, createHmac, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { metaSignature } from '../../functions/channels/meta/verify.ts';
import { signHmacJwt } from '../../functions/channels/shared/jwt.ts';
import type { ChannelContext, ChannelModule, ReceiveResult } from '../../functions/channels/types.ts';
import { expectedTwilioSignature } from '../../functions/channels/twilio/verify.ts';
import { xSignature } from '../../functions/channels/x/index.ts';
import { buildConfig, LOCAL_DEFAULTS, type Config } from '../../functions/config.ts';
import { ClientError } from '../../functions/core/errors.ts';
import { CHANNELS, type ChannelEvent } from '../../functions/core/types.ts';
import type { HttpRequest } from '../../functions/http.ts';
import { INLINE_BODY_LIMIT_BYTES, MAX_WEBHOOK_BYTES } from '../../functions/spec.ts';
import { fakeIo, request } from './fixtures.ts';

// ---------------------------------------------------------------- run parameters

/** One seed for every property; FUZZ_SEED=<n> replays another run. Printed by each fuzz file. */
export const FUZZ_SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : 20_260_301;
/** Scale every numRuns (FUZZ_RUNS_SCALE=10 for a long local session). */
const SCALE = process.env['FUZZ_RUNS_SCALE'] ? Number(process.env['FUZZ_RUNS_SCALE']) : 1;

export const fcParams = (numRuns: number): fc.Parameters<unknown> => ({ seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

export const announceSeed = (file: string): void => {
  console.info(`[fuzz] ${file}: seed=${FUZZ_SEED} (replay with FUZZ_SEED=${FUZZ_SEED}; fast-check prints the failing path)`);
};

/** A fixed "now" so signatures, nonces and timestamps are reproducible. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

export const LOCAL_SNS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:local-ses-inbound';
export const LOCAL_SNS_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem';
const SNS_KEY = readFileSync(new URL('../../bin/local-sns/key.pem', import.meta.url), 'utf8');
const SNS_CERT = readFileSync(new URL('../../bin/local-sns/cert.pem', import.meta.url), 'utf8');

export const fuzzConfig: Config = buildConfig({
  STAGE: 'local',
  FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f',
  INGEST_QUEUE_URL: 'http://localhost:1/q/i',
  SNS_TOPIC_ARNS: LOCAL_SNS_TOPIC,
});

/** A fresh fake ChannelIO (SNS certificate served, nonces remembered per run). */
export const fuzzContext = (): ChannelContext => ({ config: fuzzConfig, now: NOW, io: fakeIo({ certs: { [LOCAL_SNS_CERT_URL]: SNS_CERT } }) });

// ---------------------------------------------------------------- nasty values

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f), fc.integer({ min: 0x80, max: 0x9f })).map((c) => String.fromCharCode(c));
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const special = fc.constantFrom('\u2028', '\u2029', '\ufeff', '\ufffd', '\u202e', '\u0301', '\u00a0', '<', '>', '&', '"', "'", '\\', '%', '+', '=', ';', ',', '@', ':', '|', '\r\n', '&amp;', '&lt;', '${', '{{');

/** One "character": mostly ASCII, often a lone surrogate, a control character or a non-BMP one. */
export const nastyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: control },
  { weight: 1, arbitrary: astral },
  { weight: 2, arbitrary: special },
);

export const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf'] as const;
const oddStrings = fc.constantFrom(...PROTO_KEYS, '', ' ', '\t', 'null', 'undefined', 'NaN', 'Infinity', '-0', '1e309', '0x10', '-1', '9007199254740993', '[object Object]', '+', 'whatsapp:', '%00', '\u0000');

export const nastyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: fc.string({ unit: nastyChar, maxLength }) }, { weight: 2, arbitrary: oddStrings });

/** A long string: a short nasty pattern repeated (cheap to make, up to ~1 MB of characters). */
export const hugeString = (maxRepeat = 20_000): fc.Arbitrary<string> =>
  fc.tuple(fc.string({ unit: nastyChar, minLength: 1, maxLength: 6 }), fc.integer({ min: 500, max: maxRepeat })).map(([s, n]) => s.repeat(n));

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e21, 5e-324, 253402300800, 8.64e15 + 1, 1e16),
);

export const scalar: fc.Arbitrary<unknown> = fc.oneof(nastyString(), nastyNumber, fc.boolean(), fc.constant(null));

/** Raw JSON text spliced into a document when it is serialized (deep nesting, huge arrays). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Nesting deep enough to break recursive code, within the body limit. */
export const deepJson = (maxDepth = 50_000): fc.Arbitrary<RawJson> =>
  fc.tuple(fc.integer({ min: 64, max: maxDepth }), fc.constantFrom('array', 'object', 'mixed')).map(([n, kind]) => {
    if (kind === 'array') return new RawJson('['.repeat(n) + ']'.repeat(n));
    const m = Math.floor(n / 4);
    if (kind === 'object') return new RawJson('{"a":'.repeat(m) + '1' + '}'.repeat(m));
    return new RawJson('[{"text":'.repeat(m) + '""' + '}]'.repeat(m));
  });

/** Many tiny array items (amplification: one small input item -> one output event?). */
export const manyItems = (maxItems = 20_000): fc.Arbitrary<RawJson> =>
  fc.tuple(fc.integer({ min: 100, max: maxItems }), fc.constantFrom('0', '{}', '[]', 'null', '""', '{"id":"x"}')).map(([n, item]) => new RawJson(`[${Array(n).fill(item).join(',')}]`));

/** A value of the wrong type, anything at all, within the body limit. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 16, arbitrary: scalar },
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: nastyChar }) },
  { weight: 4, arbitrary: fc.array(scalar, { maxLength: 5 }) },
  { weight: 4, arbitrary: fc.dictionary(nastyString(12), scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: hugeString() },
  { weight: 1, arbitrary: deepJson() },
  { weight: 1, arbitrary: manyItems() },
);

/**
 * JSON with RawJson spliced in. JSON.stringify already writes lone surrogates as \udXXX escapes
 * (so they survive the trip as lone surrogates in the parsed value).
 */
export function serialize(value: unknown): string {
  const raws: string[] = [];
  const nonce = 'RAW_6f1c9e_';
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `${nonce}${raws.length - 1}`;
    }
    return v;
  });
  if (!raws.length) return text ?? 'null';
  return (text ?? 'null').replace(new RegExp(`"${nonce}(\\d+)"`, 'g'), (_m, i: string) => raws[Number(i)]!);
}

/** Random JSON built from a provider's own keys (and some others), values of any type. */
export function keyedJson(keys: readonly string[], maxDepth = 4): fc.Arbitrary<unknown> {
  const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: nastyString(12) });
  const { node } = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      { weight: 3, arbitrary: weirdValue },
      { weight: 4, arbitrary: fc.dictionary(key, tie('node'), { maxKeys: 8 }) },
      { weight: 2, arbitrary: fc.array(tie('node'), { maxLength: 4 }) },
    ),
  }));
  return node;
}

/** Every key of a JSON document, recursively (to fuzz with the provider's real vocabulary). */
export function keysOf(doc: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(doc)) doc.forEach((d) => keysOf(d, out));
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      out.add(k);
      keysOf(v, out);
    }
  }
  return [...out];
}

// ---------------------------------------------------------------- mutations of real fixtures

export type MutationOp = 'replace' | 'delete' | 'retype' | 'wrap' | 'duplicate' | 'insert' | 'nullify';
export interface Mutation {
  readonly at: number;
  readonly op: MutationOp;
  readonly value: unknown;
  readonly key: string;
  readonly times: number;
}

export const mutation = (keys: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom<MutationOp>('replace', 'replace', 'delete', 'retype', 'retype', 'wrap', 'duplicate', 'insert', 'nullify'),
    value: weirdValue,
    key: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: nastyString(12) }),
    times: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 2, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }) }),
  });

type Path = ReadonlyArray<string | number>;

function paths(doc: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (doc instanceof RawJson) return out;
  if (Array.isArray(doc)) doc.forEach((d, i) => paths(d, [...prefix, i], out));
  else if (doc && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) paths(v, [...prefix, k], out);
  return out;
}

function retype(v: unknown): unknown {
  if (typeof v === 'string') return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v.length;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 0;
  if (v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (typeof v === 'object') return Object.values(v as object);
  return null;
}

function change(v: unknown, m: Mutation): unknown {
  switch (m.op) {
    case 'replace':
      return m.value;
    case 'retype':
      return retype(v);
    case 'wrap':
      return [v];
    case 'nullify':
      return null;
    case 'duplicate':
      return Array.isArray(v) ? Array.from({ length: m.times }, (_, i) => v[i % Math.max(1, v.length)]) : Array.from({ length: Math.min(m.times, 50) }, () => v);
    case 'insert':
      if (Array.isArray(v)) return [...v, m.value];
      if (v && typeof v === 'object' && !(v instanceof RawJson)) return Object.assign(Object.create(null) as object, v, { [m.key]: m.value });
      return { [m.key]: m.value };
    case 'delete':
      return undefined;
  }
}

/** Apply mutations one after the other, each at a random path of the current document. */
export function applyMutations(doc: unknown, muts: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(doc);
  for (const m of muts) {
    const all = paths(root);
    const path = all[m.at % all.length]!;
    if (path.length === 0) {
      root = m.op === 'delete' ? {} : change(root, m);
      continue;
    }
    let parent: any = root;
    for (const p of path.slice(0, -1)) parent = parent[p];
    const last = path[path.length - 1]!;
    const next = change(parent[last], m);
    if (next === undefined) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else parent[last] = next;
  }
  return root;
}

// ---- form bodies (Twilio, MessageBird, Mailgun)

export type FormPairs = Array<[string, string]>;

export interface FormMutation {
  readonly at: number;
  readonly op: 'replace' | 'delete' | 'repeat-key' | 'insert' | 'huge';
  readonly key: string;
  readonly value: string;
}

export const formValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: nastyString() },
  { weight: 1, arbitrary: hugeString(30_000) },
  { weight: 1, arbitrary: nastyNumber.map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '20', '21', '-1', '1.5', '1e1', '0x10', ' 3', 'Infinity', 'NaN', '') },
);

export const formMutation = (keys: readonly string[]): fc.Arbitrary<FormMutation> =>
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom<FormMutation['op']>('replace', 'replace', 'delete', 'repeat-key', 'insert', 'huge'),
    key: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: nastyString(12) }),
    value: formValue,
  });

export function applyFormMutations(pairs: FormPairs, muts: readonly FormMutation[]): FormPairs {
  const out: FormPairs = pairs.map(([k, v]) => [k, v]);
  for (const m of muts) {
    const i = out.length ? m.at % out.length : 0;
    switch (m.op) {
      case 'replace':
        if (out[i]) out[i]![1] = m.value;
        break;
      case 'delete':
        out.splice(i, 1);
        break;
      case 'repeat-key':
        if (out[i]) out.splice(i, 0, [out[i]![0], m.value]);
        break;
      case 'insert':
        out.splice(i, 0, [m.key, m.value]);
        break;
      case 'huge':
        if (out[i]) out[i]![1] = out[i]![1].repeat(Math.max(1, Math.floor(200_000 / Math.max(1, out[i]![1].length))));
        break;
    }
  }
  return out;
}

/** Form-encode, sometimes with raw garbage a URLSearchParams would never write (bad %-escapes, UTF-8 surrogates). */
export const formGarbage = fc.constantFrom('', '', '', '&', '&&=&', '&%ZZ=%', '&a=%ED%A0%80', '&%FF%FE=%C0%AF', '&=', '&Body=%E2%80', '&' + 'x='.repeat(3000));
export const encodeForm = (pairs: FormPairs, garbage = ''): string => new URLSearchParams(pairs).toString() + garbage;

// ---------------------------------------------------------------- signed requests

/** A request as the gateway builds it (test/helpers/fixtures.ts), tagged as a fuzz request. */
export const httpRequest = (method: string, path: string, body: string | Buffer, headers: Record<string, string> = {}, rawQuery = ''): HttpRequest => ({
  ...request(method, path, body, headers, rawQuery),
  requestId: 'fuzz',
});

const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;
let jti = 0;

export const sign = {
  twilio(body: string): HttpRequest {
    const path = '/webhooks/twilio';
    const sig = expectedTwilioSignature(LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN, `${fuzzConfig.publicBaseUrl}${path}`, [...new URLSearchParams(body)]);
    return httpRequest('POST', path, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig });
  },
  meta(body: string | Buffer): HttpRequest {
    return httpRequest('POST', '/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(LOCAL_DEFAULTS.META_APP_SECRET, body) });
  },
  telegram(body: string | Buffer): HttpRequest {
    return httpRequest('POST', '/webhooks/telegram', body, { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': LOCAL_DEFAULTS.TELEGRAM_SECRET_TOKEN });
  },
  x(body: string | Buffer): HttpRequest {
    return httpRequest('POST', '/webhooks/x', body, { 'content-type': 'application/json', 'x-twitter-webhooks-signature': xSignature(LOCAL_DEFAULTS.X_CONSUMER_SECRET, body) });
  },
  vonage(body: string | Buffer): HttpRequest {
    const token = signHmacJwt(
      { iat: NOW_S, jti: `fuzz-${++jti}`, iss: 'Vonage', payload_hash: sha256Hex(body), api_key: 'local', application_id: 'fuzz-app' },
      LOCAL_DEFAULTS.VONAGE_SIGNATURE_SECRET,
    );
    return httpRequest('POST', '/webhooks/vonage', body, { 'content-type': 'application/json', authorization: `Bearer ${token}` });
  },
  messagebird(body: string | Buffer): HttpRequest {
    const path = '/webhooks/messagebird';
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const token = signHmacJwt(
      { iss: 'MessageBird', nbf: NOW_S, exp: NOW_S + 60, jti: `fuzz-${++jti}`, url_hash: sha256Hex(`${fuzzConfig.publicBaseUrl}${path}`), ...(buf.length ? { payload_hash: sha256Hex(buf) } : {}) },
      LOCAL_DEFAULTS.MESSAGEBIRD_SIGNING_KEY,
    );
    return httpRequest('POST', path, buf, { 'content-type': 'application/x-www-form-urlencoded', 'messagebird-signature-jwt': token });
  },
  sendgrid(body: string | Buffer, contentType: string): HttpRequest {
    return httpRequest('POST', '/webhooks/sendgrid', body, { 'content-type': contentType, authorization: basic(LOCAL_DEFAULTS.SENDGRID_BASIC_AUTH) });
  },
  postmark(body: string | Buffer): HttpRequest {
    return httpRequest('POST', '/webhooks/postmark', body, { 'content-type': 'application/json', authorization: basic(LOCAL_DEFAULTS.POSTMARK_BASIC_AUTH) });
  },
  /** Mailgun signs timestamp + token inside the form: the caller puts these fields in. */
  mailgunFields(token: string): FormPairs {
    const timestamp = String(NOW_S);
    const signature = createHashHmac(LOCAL_DEFAULTS.MAILGUN_SIGNING_KEY, timestamp + token);
    return [
      ['timestamp', timestamp],
      ['token', token],
      ['signature', signature],
    ];
  },
  mailgun(body: string | Buffer, contentType: string): HttpRequest {
    return httpRequest('POST', '/webhooks/mailgun', body, { 'content-type': contentType });
  },
  /** An SNS Notification around `message` (any string), signed with the local SNS key. */
  ses(message: string, extra: Record<string, unknown> = {}): HttpRequest {
    const env: Record<string, unknown> = {
      Type: 'Notification',
      MessageId: `fuzz-${++jti}`,
      TopicArn: LOCAL_SNS_TOPIC,
      Subject: 'Amazon SES Email Receipt Notification',
      Message: message,
      Timestamp: NOW.toISOString(),
      SignatureVersion: '2',
      SigningCertURL: LOCAL_SNS_CERT_URL,
      ...extra,
    };
    const toSign = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      .filter((k) => typeof env[k] === 'string')
      .map((k) => `${k}\n${env[k] as string}\n`)
      .join('');
    env['Signature'] = createSign('RSA-SHA256').update(toSign, 'utf8').sign(SNS_KEY, 'base64');
    return httpRequest('POST', '/webhooks/ses', serialize(env), { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' });
  },
};

const createHashHmac = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex');

/** A multipart/form-data body from parts (values as given, bytes untouched). */
export function multipart(parts: ReadonlyArray<{ name: string; value: string | Buffer; filename?: string; contentType?: string }>, boundary = 'fuzzBoundary7MA4YWxkTrZu0gW'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.contentType !== undefined ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`, 'utf8'));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------- the property

/** Largest serialized event we accept: one DynamoDB item is 400 KB, with room for keys and indexes. */
export const MAX_EVENT_BYTES = 350 * 1024;
/** Bound on work: JSON.parse may read each input byte at most this many times (plus a constant). */
export const PARSE_FACTOR = 3;
/** Bound on output: serialized events at most this many bytes per input byte (plus a constant). */
export const OUTPUT_FACTOR = 8;
export const OUTPUT_SLACK = 16 * 1024;
/** Bound on events: at most one per this many input bytes (plus a constant)... */
export const BYTES_PER_EVENT = 2;
/**
 * ...and never more than this many per request, whatever the size: each event is a store
 * transaction (or a parked message), so an unbounded count is unbounded work for one webhook.
 * Meta batches at most 1000 updates per delivery.
 */
export const MAX_EVENTS_PER_WEBHOOK = 1000;

const utf8Len = (s: string) => Buffer.byteLength(s, 'utf8');

const truncateUtf8 = (s: string, bytes: number): string => {
  const buf = Buffer.from(s, 'utf8');
  return buf.length <= bytes ? s : `${buf.subarray(0, bytes).toString('utf8')}…`;
};

/**
 * The event as the webhook service stores (or parks) it: attachment bytes go to the bucket, a text
 * over INLINE_BODY_LIMIT_BYTES is cut (the full text goes to the bucket), HTML over half that goes
 * to the bucket. Everything else must fit by itself.
 */
export function storedForm(e: ChannelEvent): unknown {
  if (e.kind !== 'message') return e;
  const m = e.message;
  let email = m.email;
  if (email?.html !== undefined && utf8Len(email.html) > INLINE_BODY_LIMIT_BYTES / 2) {
    const { html: _html, ...rest } = email;
    email = { ...rest, htmlKey: 'attachments/x/body.html' };
  }
  return { kind: 'message', message: { ...m, text: truncateUtf8(m.text, INLINE_BODY_LIMIT_BYTES), ...(email ? { email } : {}) } };
}

const DELIVERY = new Set(['sent', 'delivered', 'read', 'failed']);
const isIso = (s: unknown) => typeof s === 'string' && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;
const nonEmpty = (s: unknown) => typeof s === 'string' && s.length > 0;

/** Why an event is not well-formed, or undefined when it is. */
export function malformed(e: ChannelEvent, provider: string): string | undefined {
  switch (e.kind) {
    case 'message': {
      const m = e.message;
      if (m.provider !== provider) return `provider ${String(m.provider)}`;
      if (!nonEmpty(m.providerMessageId)) return 'empty providerMessageId';
      if (!nonEmpty(m.threadKey) || !m.threadKey.trim()) return 'empty threadKey';
      if (!(CHANNELS as readonly string[]).includes(m.channel)) return `channel ${String(m.channel)}`;
      if (typeof m.text !== 'string') return `text is ${typeof m.text}`;
      if (typeof m.from !== 'string' || typeof m.to !== 'string') return 'from/to not strings';
      if (!m.identity || !nonEmpty(m.identity.kind) || !nonEmpty(m.identity.value) || !m.identity.value.trim()) return `identity ${JSON.stringify(m.identity)}`;
      if (!Array.isArray(m.attachments)) return 'attachments not an array';
      if (!isIso(m.receivedAt)) return `receivedAt ${String(m.receivedAt)}`;
      if (m.sentAt !== undefined && !isIso(m.sentAt)) return `sentAt ${String(m.sentAt)}`;
      if (m.displayName !== undefined && typeof m.displayName !== 'string') return 'displayName not a string';
      if (m.inReplyTo !== undefined && typeof m.inReplyTo !== 'string') return 'inReplyTo not a string';
      for (const a of m.attachments) if (typeof a !== 'object' || a === null) return 'attachment not an object';
      return undefined;
    }
    case 'status':
      if (e.update.provider !== provider) return 'status provider';
      if (!nonEmpty(e.update.providerMessageId)) return 'empty status providerMessageId';
      if (!DELIVERY.has(e.update.status)) return `status ${String(e.update.status)}`;
      if (!isIso(e.update.at)) return `status at ${String(e.update.at)}`;
      return undefined;
    case 'edit':
      if (e.edit.provider !== provider) return 'edit provider';
      if (!nonEmpty(e.edit.providerMessageId)) return 'empty edit providerMessageId';
      if (e.edit.text !== undefined && typeof e.edit.text !== 'string') return 'edit text not a string';
      if (!isIso(e.edit.at)) return `edit at ${String(e.edit.at)}`;
      return undefined;
    case 'skipped':
      return nonEmpty(e.reason) ? undefined : 'skipped without reason';
    default:
      return `unknown kind ${(e as { kind: unknown }).kind as string}`;
  }
}

/** What one run measured. */
export interface Work {
  inputBytes: number;
  jsonParsedChars: number;
  outputBytes: number;
  events: number;
  /** Extra meters a test file adds (postal-mime bytes, reply-parser chars, ...). */
  readonly extra: Record<string, number>;
}

/** Extra meters, reset per run; the email fuzz file hooks libraries into these. */
export const meters: Record<string, number> = {};

/** A result that can never be stored or answered correctly: the run fails with this. */
export class WouldBe500 extends Error {
  override name = 'WouldBe500';
}

/**
 * Run `module.receive` on a signed request and check the property. Returns what it measured.
 * Throws (failing the property) on anything that would be a 5xx or a malformed result.
 */
/**
 * Defects found by fuzzing in modules owned elsewhere, tolerated narrowly (by the exact message of
 * the failed check) so every other class still fails; listed in the fuzz report for their owners.
 */
export interface Tolerance {
  /** A malformed-event reason (from malformed()) that is a known, reported defect. */
  readonly malformed?: (why: string) => boolean;
  /** A per-request event cap other than MAX_EVENTS_PER_WEBHOOK (known, reported). */
  readonly maxEvents?: number;
  /** An output factor other than OUTPUT_FACTOR (known, reported). */
  readonly outputFactor?: number;
}

export async function checkReceive(module: ChannelModule, req: HttpRequest, ctx: ChannelContext = fuzzContext(), tolerate: Tolerance = {}): Promise<Work | undefined> {
  if (req.body.length > MAX_WEBHOOK_BYTES) return undefined; // the service answers 413 before any parser runs
  for (const k of Object.keys(meters)) meters[k] = 0;
  const work: Work = { inputBytes: req.body.length + req.rawQuery.length, jsonParsedChars: 0, outputBytes: 0, events: 0, extra: meters };
  const realParse = JSON.parse;
  JSON.parse = function meteredParse(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) {
    work.jsonParsedChars += String(text).length;
    return realParse.call(JSON, text, reviver);
  } as typeof JSON.parse;
  let result: ReceiveResult;
  try {
    result = await module.receive(req, ctx);
  } catch (e) {
    if (e instanceof ClientError && e.status >= 400 && e.status < 500) return work;
    const err = e as Error;
    throw new WouldBe500(`${module.provider}: ${err?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 300)}${err?.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}`);
  } finally {
    JSON.parse = realParse;
  }
  if (result.kind === 'response') {
    const r = result.response;
    if (!(r.statusCode >= 200 && r.statusCode < 300) || typeof r.body !== 'string') throw new WouldBe500(`${module.provider}: response ${r.statusCode}`);
    work.outputBytes = utf8Len(r.body);
    return work;
  }
  if (!Array.isArray(result.events)) throw new WouldBe500(`${module.provider}: events is not an array`);
  if (!(result.ok.statusCode >= 200 && result.ok.statusCode < 300)) throw new WouldBe500(`${module.provider}: ok is ${result.ok.statusCode}`);
  work.events = result.events.length;
  for (const [i, e] of result.events.entries()) {
    const why = malformed(e, module.provider);
    if (why && !tolerate.malformed?.(why)) throw new WouldBe500(`${module.provider}: event ${i} is malformed: ${why}: ${safeJson(e).slice(0, 300)}`);
    const stored = safeJson(storedForm(e));
    const bytes = utf8Len(stored);
    if (bytes > MAX_EVENT_BYTES) throw new WouldBe500(`${module.provider}: event ${i} (${e.kind}) is ${bytes} bytes stored; the limit is ${MAX_EVENT_BYTES}: ${biggestFields(e)}`);
    work.outputBytes += utf8Len(safeJson(e));
  }
  return work;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `<${x.byteLength} bytes>` : x)) ?? 'undefined';
  } catch (e) {
    throw new WouldBe500(`event cannot be serialized: ${(e as Error).message}`);
  }
}

function biggestFields(e: ChannelEvent): string {
  if (e.kind !== 'message') return '';
  const sizes: Array<[string, number]> = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string') sizes.push([path, utf8Len(v)]);
    else if (Array.isArray(v)) {
      sizes.push([`${path}[] (${v.length} items)`, utf8Len(safeJson(v))]);
    } else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(storedForm(e), '');
  return sizes
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([p, n]) => `${p}=${n}B`)
    .join(', ');
}

/** The bound on work, as assertions on what checkReceive measured. */
export function checkWork(w: Work | undefined, provider: string, tolerate: Tolerance = {}): void {
  if (!w) return;
  const n = Math.max(w.inputBytes, 1);
  if (w.jsonParsedChars > PARSE_FACTOR * n + 4096) throw new WouldBe500(`${provider}: JSON.parse read ${w.jsonParsedChars} chars for ${n} input bytes`);
  if (w.events > n / BYTES_PER_EVENT + 16 || w.events > (tolerate.maxEvents ?? MAX_EVENTS_PER_WEBHOOK)) throw new WouldBe500(`${provider}: ${w.events} events for ${n} input bytes`);
  if (w.outputBytes > (tolerate.outputFactor ?? OUTPUT_FACTOR) * n + OUTPUT_SLACK) throw new WouldBe500(`${provider}: ${w.outputBytes} output bytes for ${n} input bytes`);
}

/** checkReceive + checkWork: the whole property for one request. */
export async function property(module: ChannelModule, req: HttpRequest, ctx?: ChannelContext, tolerate: Tolerance = KNOWN_DEFECTS[module.provider] ?? {}): Promise<Work | undefined> {
  const w = await checkReceive(module, req, ctx, tolerate);
  checkWork(w, module.provider, tolerate);
  return w;
}

/** Known defects tolerated by the properties: none left (X's unbounded batch and blank ids are fixed). */
export const KNOWN_DEFECTS: Readonly<Record<string, Tolerance>> = {};
