/**
 * `npm run simulate -- <provider> [options]`: the simulator's command line. `--help` lists every
 * option with an example (from OPTIONS, the table parseArgs reads). It signs for the public base URL
 * the server verifies against, posts, and says what happened: the ticket (new, appended, duplicate)
 * or the server's refusal. The builders and signers are in simulate.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_DEFAULTS } from '../functions/config.ts';
import type { CallView, VoiceApi } from './simulate-voice-watch.ts';
import {
  bareMessageId,
  messageBirdForm,
  metaMessagePayload,
  metaStatusPayload,
  newEmailMessageId,
  newMessageSid,
  rawEmail,
  send,
  signedMailgun,
  signedMessageBird,
  signedMeta,
  signedPostmark,
  signedSendGrid,
  signedSes,
  signedTelegram,
  signedTwilio,
  signedVonage,
  signedX,
  telegramPayload,
  twilioForm,
  vonagePayload,
  xPayload,
  type EmailSimOptions,
  type SignedRequest,
} from './simulate.ts';

export const PROVIDERS = ['twilio', 'meta', 'telegram', 'x', 'vonage', 'messagebird', 'sendgrid', 'mailgun', 'postmark', 'ses'] as const;
export type Provider = (typeof PROVIDERS)[number];

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder shown after the flag in --help. */
  readonly arg?: string;
  readonly help: string;
  /** A complete command line using the option. */
  readonly example: string;
}

const sim = 'npm run simulate --';

/** Every option the CLI accepts; parseArgs is built from this table, and so is --help. */
export const OPTIONS = {
  from: { type: 'string', arg: '<address>', help: 'customer address: phone, PSID/IGSID, chat or user id, or email ("Name <a@b>")', example: `${sim} twilio --from +15551230000` },
  to: { type: 'string', arg: '<address>', help: 'our inbox address (number, page id, mailbox) the customer wrote to', example: `${sim} postmark --to help@support.example` },
  body: { type: 'string', arg: '<text>', help: 'message text', example: `${sim} telegram --from 42 --body "My order is late"` },
  id: {
    type: 'string',
    arg: '<id>',
    help: 'provider message id (send one twice to see dedupe); email: the Message-ID, with or without <>; meta/vonage --status: the message the status is about; telegram: message_id',
    example: `${sim} meta --channel whatsapp --from 15551230000 --id wamid.ABC`,
  },
  sid: { type: 'string', arg: '<MessageSid>', help: 'twilio: the MessageSid (same as --id)', example: `${sim} twilio --from +15551230000 --sid SM0123456789abcdef0123456789abcdef` },
  name: { type: 'string', arg: '<name>', help: "customer's display name (profile name)", example: `${sim} x --from 2244994945 --name "Ada"` },
  channel: {
    type: 'string',
    arg: '<channel>',
    help: 'meta: whatsapp|messenger|instagram (default whatsapp); vonage: sms|mms|whatsapp|messenger|viber_service (default sms)',
    example: `${sim} meta --channel messenger --from PSID123`,
  },
  status: { type: 'string', arg: '<status>', help: 'meta, vonage: send a delivery status callback (sent, delivered, read, failed) for --id', example: `${sim} meta --status read --id wamid.XYZ` },
  edit: { type: 'boolean', help: 'telegram: an edited_message for --id', example: `${sim} telegram --edit --from 42 --id 7 --body "fixed"` },
  whatsapp: { type: 'boolean', help: 'twilio: WhatsApp via Twilio (whatsapp: addresses)', example: `${sim} twilio --whatsapp --from +15551230000` },
  media: { type: 'string', multiple: true, arg: '<url>', help: 'twilio: a media URL (MMS); repeat for more', example: `${sim} twilio --media https://example.com/a.jpg` },
  handshake: { type: 'boolean', help: 'meta: the GET hub.challenge verification', example: `${sim} meta --handshake` },
  crc: { type: 'boolean', help: 'x: the GET CRC challenge', example: `${sim} x --crc` },
  subject: { type: 'string', arg: '<subject>', help: 'email subject; "[#<ticket id>]" in it threads into that ticket', example: `${sim} mailgun --subject "Re: Late order [#01J0000000000000000000000]"` },
  'in-reply-to': { type: 'string', arg: '<Message-ID>', help: 'email: reply to this Message-ID (with or without <>)', example: `${sim} sendgrid --in-reply-to m1@customer.example` },
  'auto-reply': { type: 'boolean', help: 'email: mark as an auto-reply (Auto-Submitted); stored, never acknowledged', example: `${sim} sendgrid --auto-reply --body "I am out of office"` },
  subscribe: { type: 'boolean', help: 'ses: an SNS SubscriptionConfirmation instead of a notification', example: `${sim} ses --subscribe` },
  url: {
    type: 'string',
    arg: '<base URL>',
    help: 'where to post (default http://localhost:$PORT, PORT defaulting to 3000); the URL the ready line prints works',
    example: `${sim} twilio --url http://127.0.0.1:3000`,
  },
  'public-base-url': {
    type: 'string',
    arg: '<URL>',
    help: 'the public base URL signatures are computed for (twilio, messagebird); default $PUBLIC_BASE_URL, else http://localhost:<port of --url> as the server does, else --url itself for a non-local host',
    example: `${sim} twilio --public-base-url https://abc.ngrok.app`,
  },
  token: { type: 'string', arg: '<secret>', help: "the provider's secret to sign with (default: the server's env var, else the local default)", example: `${sim} telegram --token my-secret-token` },
  'api-key': {
    type: 'string',
    arg: '<key>',
    help: `REST API key used to look up the ticket afterwards (default $SIMULATE_API_KEY, else the dev key ${LOCAL_DEFAULTS.API_KEY})`,
    example: `${sim} twilio --api-key my-api-key`,
  },
  missed: { type: 'boolean', help: 'twilio-voice, vonage-voice: a call that ends without a voicemail (a missed call)', example: `${sim} vonage-voice --from +447700900123 --missed` },
  seconds: { type: 'string', arg: '<n>', help: 'twilio-voice, vonage-voice: the voicemail length (default 12)', example: `${sim} twilio-voice --seconds 30` },
  transcript: { type: 'string', arg: '<text>', help: 'twilio-voice, vonage-voice: what the transcription callback says', example: `${sim} twilio-voice --transcript "Please call me back"` },
  'stub-port': {
    type: 'string',
    arg: '<port>',
    help: 'twilio-voice, vonage-voice: where the simulator serves the recording while the call plays (default 4010); the server downloads it only from its own API base URL, so start it with TWILIO_API_BASE_URL=http://localhost:4010 TWILIO_ACCOUNT_SID=AC… VONAGE_API_BASE_URL=http://localhost:4010 npm start',
    example: `${sim} vonage-voice --stub-port 4020`,
  },
  'bad-signature': { type: 'boolean', help: 'sign wrongly: refused with 401 (sendgrid, postmark) or 403 (the others), nothing stored', example: `${sim} twilio --bad-signature` },
  help: { type: 'boolean', short: 'h', help: 'this list', example: `${sim} --help` },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

export function helpText(): string {
  const rows = (Object.entries(OPTIONS) as [OptionName, OptionSpec][]).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;
    return `  ${flag}\n      ${o.help}\n      e.g. ${o.example}`;
  });
  return [
    `usage: ${sim} <${PROVIDERS.join('|')}> [options]`,
    `       ${sim} <twilio-voice|vonage-voice> [--from … --to … --missed]   (a whole phone call: answer, status/events, recording, transcription)`,
    '       (the TWILIO_API_BASE_URL/TWILIO_ACCOUNT_SID that send the server to the recording stub also send its Twilio SMS replies there: they fail once the simulator exits)',
    '',
    'Posts one correctly signed webhook, then prints the signing URL, the answer and the outcome',
    '(new ticket, appended, duplicate, or refused with the server\'s error). Start the server first: npm start.',
    '',
    'options:',
    ...rows,
  ].join('\n');
}

type Values = ReturnType<typeof parseCli>['values'];

export function parseCli(argv: readonly string[]) {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  return { provider: positionals[0], extra: positionals.slice(1), values };
}

// ---------- where to post, and what to sign for ----------
export const defaultBaseUrl = (env: NodeJS.ProcessEnv): string => `http://localhost:${env['PORT'] || 3000}`;

const isLoopback = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]' || host === '0.0.0.0';

/**
 * The public base URL to sign for: --public-base-url, else PUBLIC_BASE_URL (what the server reads),
 * else for a local server the server's own default http://localhost:<port> (whatever loopback host
 * --url names), else the --url itself.
 */
export function signingBaseUrl(baseUrl: string, flag: string | undefined, env: NodeJS.ProcessEnv): { url: string; why: string } {
  const trim = (u: string) => u.replace(/\/+$/, '');
  if (flag) return { url: trim(flag), why: '--public-base-url' };
  if (env['PUBLIC_BASE_URL']) return { url: trim(env['PUBLIC_BASE_URL']), why: 'PUBLIC_BASE_URL' };
  const u = new URL(baseUrl);
  if (isLoopback(u.hostname)) {
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return { url: `http://localhost:${port}`, why: "the local server's default PUBLIC_BASE_URL for this port" };
  }
  return { url: trim(baseUrl), why: '--url (set --public-base-url if the deployment verifies another URL)' };
}

/** Which providers sign the URL (the others sign only the body). */
const SIGNS_URL: ReadonlySet<string> = new Set(['twilio', 'messagebird']);

/** The explanation printed when the server cannot be reached. */
export function unreachableMessage(url: string, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const why = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return [
    `Cannot reach the server at ${url} (${why}).`,
    'Start the local stack in another terminal with `npm start` and wait for its `ready:` line,',
    'or point the simulator at a running server with --url <base URL> (PORT is read too).',
  ].join('\n');
}

// ---------- building the request ----------
const secret = (env: NodeJS.ProcessEnv, name: Exclude<keyof typeof LOCAL_DEFAULTS, 'API_KEY'>): string => env[name] ?? LOCAL_DEFAULTS[name];

export interface Built {
  readonly req: SignedRequest;
  /** Whether a message is posted (so a ticket outcome applies). */
  readonly message: boolean;
  /** The provider's id for the message (resend it to see dedupe), when the simulator chose it. */
  readonly providerId?: string | undefined;
  /** The customer address the message is from. */
  readonly from?: string | undefined;
}

export async function buildRequest(provider: Provider, v: Values, signingBase: string, env: NodeJS.ProcessEnv = process.env): Promise<Built> {
  const bad = v['bad-signature'] ?? false;
  const body = v.body ?? 'Hello, I need help with my order.';
  const name = v.name ? { name: v.name } : {};
  switch (provider) {
    case 'twilio': {
      const sid = v.sid ?? v.id ?? newMessageSid();
      const from = v.from ?? '+15551230000';
      const form = twilioForm({ from, to: v.to ?? '+15550001111', body, sid, whatsapp: v.whatsapp, media: v.media, profileName: v.name });
      return { req: signedTwilio(signingBase, v.token ?? secret(env, 'TWILIO_AUTH_TOKEN'), form, bad), message: true, providerId: sid, from };
    }
    case 'meta': {
      if (v.handshake) {
        const token = encodeURIComponent(bad ? 'wrong' : (v.token ?? secret(env, 'META_VERIFY_TOKEN')));
        return { req: { method: 'GET', path: '/webhooks/meta', query: `hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${token}`, headers: {}, body: '' }, message: false };
      }
      const channel = (v.channel ?? 'whatsapp') as 'whatsapp' | 'messenger' | 'instagram';
      const to = v.to ?? (channel === 'whatsapp' ? '15550001111' : '1234567890');
      const appSecret = v.token ?? secret(env, 'META_APP_SECRET');
      if (v.status) return { req: signedMeta(appSecret, metaStatusPayload({ id: v.id ?? 'wamid.unknown', status: v.status, to }), bad), message: false };
      const from = v.from ?? (channel === 'whatsapp' ? '15551230000' : '5678');
      const id = v.id ?? (channel === 'whatsapp' ? `wamid.${randomUUID().replaceAll('-', '')}` : `m_${randomUUID().replaceAll('-', '')}`);
      return { req: signedMeta(appSecret, metaMessagePayload({ channel, from, to, body, id, ...name }), bad), message: true, providerId: id, from };
    }
    case 'telegram': {
      const from = v.from ?? '123456789';
      const payload = telegramPayload({ from, body, edit: v.edit, ...(v.id ? { messageId: Number(v.id) } : {}), ...name });
      return { req: signedTelegram(v.token ?? secret(env, 'TELEGRAM_SECRET_TOKEN'), payload, bad), message: !v.edit, from };
    }
    case 'x': {
      if (v.crc) return { req: { method: 'GET', path: '/webhooks/x', query: 'crc_token=simulated-crc-token', headers: {}, body: '' }, message: false };
      const from = v.from ?? '2244994945';
      const id = v.id ?? String(BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)));
      return { req: signedX(v.token ?? secret(env, 'X_CONSUMER_SECRET'), xPayload({ from, to: v.to ?? '1111111111', body, id, ...name }), bad), message: true, providerId: id, from };
    }
    case 'vonage': {
      const key = v.token ?? secret(env, 'VONAGE_SIGNATURE_SECRET');
      const id = v.id ?? randomUUID();
      if (v.status) return { req: signedVonage(key, { message_uuid: id, status: v.status, timestamp: new Date().toISOString() }, { bad }), message: false };
      const from = v.from ?? '447700900001';
      return { req: signedVonage(key, vonagePayload({ channel: v.channel ?? 'sms', from, to: v.to ?? '447700900000', body, id, ...name }), { bad }), message: true, providerId: id, from };
    }
    case 'messagebird': {
      const from = v.from ?? '31612345678';
      const form = messageBirdForm({ from, to: v.to ?? '3197010260000', body, ...(v.id ? { id: v.id } : {}) });
      return { req: signedMessageBird(v.token ?? secret(env, 'MESSAGEBIRD_SIGNING_KEY'), signingBase, form, { bad }), message: true, providerId: form.get('id') ?? undefined, from };
    }
    case 'sendgrid':
    case 'mailgun':
    case 'postmark':
    case 'ses': {
      const messageId = bareMessageId(v.id ?? newEmailMessageId());
      const mail: EmailSimOptions = {
        from: v.from ?? 'Ada Customer <ada@customer.example>',
        to: v.to ?? 'help@support.example',
        subject: v.subject ?? 'My order has not arrived',
        text: body,
        messageId,
        ...(v['in-reply-to'] ? { inReplyTo: bareMessageId(v['in-reply-to']) } : {}),
        ...(v['auto-reply'] ? { headers: { 'Auto-Submitted': 'auto-replied' } } : {}),
      };
      const built = (req: SignedRequest): Built => ({ req, message: !v.subscribe, providerId: `<${messageId}>`, from: mail.from });
      if (provider === 'sendgrid') return built(signedSendGrid(v.token ?? secret(env, 'SENDGRID_BASIC_AUTH'), await rawEmail(mail), { from: mail.from, to: mail.to }, bad));
      if (provider === 'mailgun') return built(signedMailgun(v.token ?? secret(env, 'MAILGUN_SIGNING_KEY'), mail, { bad }));
      if (provider === 'postmark') return built(signedPostmark(v.token ?? secret(env, 'POSTMARK_BASIC_AUTH'), mail, bad));
      const { LOCAL_SNS_KEY_FILE, LOCAL_SNS_TOPIC_ARN } = await import('./local-stack.ts');
      return built(
        signedSes(readFileSync(LOCAL_SNS_KEY_FILE, 'utf8'), await rawEmail(mail), {
          topicArn: env['SNS_TOPIC_ARNS']?.split(',')[0] ?? LOCAL_SNS_TOPIC_ARN,
          recipient: mail.to,
          ...(bad ? { certUrl: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem' } : {}),
          ...(v.subscribe ? { type: 'SubscriptionConfirmation' as const } : {}),
        }),
      );
    }
  }
}

// ---------- the outcome ----------
export interface TicketSummary {
  readonly id: string;
  readonly customerAddress: string;
  readonly participants?: readonly string[];
  readonly messageCount: number;
  readonly createdAt: string;
  readonly lastMessageAt: string;
  readonly channel?: string;
  readonly status?: string;
}

/** Compare addresses loosely: case, `whatsapp:` prefixes, display names and phone punctuation aside. */
export function addressKey(a: string): string {
  let s = a.trim().toLowerCase();
  const angle = /<([^>]+)>/.exec(s);
  if (angle) s = angle[1]!;
  s = s.replace(/^(whatsapp|messenger|viber):/, '');
  return /^\+?[\d\s().-]+$/.test(s) ? s.replace(/\D/g, '') : s;
}

const sameCustomer = (t: TicketSummary, from: string): boolean => {
  const k = addressKey(from);
  return [t.customerAddress, ...(t.participants ?? [])].some((a) => addressKey(a) === k || addressKey(a).split(':')[0] === k);
};

export type Outcome =
  | { readonly kind: 'new' | 'appended' | 'duplicate'; readonly ticket: TicketSummary }
  | { readonly kind: 'unseen' };

/** What one message post did, from the ticket list before and after it. */
export function classify(before: readonly TicketSummary[], after: readonly TicketSummary[], from: string | undefined): Outcome {
  const prev = new Map(before.map((t) => [t.id, t]));
  const mine = (ts: TicketSummary[]) => (from ? (ts.find((t) => sameCustomer(t, from)) ?? ts[0]) : ts[0]);
  const created = mine(after.filter((t) => !prev.has(t.id)));
  if (created) return { kind: 'new', ticket: created };
  const grown = mine(after.filter((t) => t.messageCount > prev.get(t.id)!.messageCount || t.lastMessageAt !== prev.get(t.id)!.lastMessageAt));
  if (grown) return { kind: 'appended', ticket: grown };
  const same = from ? after.find((t) => sameCustomer(t, from)) : undefined;
  return same ? { kind: 'duplicate', ticket: same } : { kind: 'unseen' };
}

class LookupError extends Error {}

async function listTickets(baseUrl: string, apiKey: string): Promise<TicketSummary[]> {
  const res = await fetch(`${baseUrl}/v1/tickets?limit=100`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (!res.ok) throw new LookupError(`GET /v1/tickets answered ${res.status} ${errorOf(text)}${res.status === 401 || res.status === 403 ? ' (pass --api-key)' : ''}`);
  return (JSON.parse(text) as { tickets: TicketSummary[] }).tickets;
}

/** `code: message` from the server's JSON error body, else the body itself (shortened). */
export function errorOf(body: string): string {
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; message?: string }; message?: string }).error;
    if (e?.code) return `${e.code}: ${e.message ?? ''}`.trim();
  } catch {
    // not JSON
  }
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

const describe = (o: Outcome, message: boolean): string => {
  if (o.kind === 'unseen') return message ? 'accepted, but no ticket changed yet (parked for the worker, or skipped as noise; check GET /v1/tickets shortly)' : 'accepted';
  const t = o.ticket;
  const count = `${t.messageCount} message${t.messageCount === 1 ? '' : 's'}`;
  if (o.kind === 'new') return `new ticket ${t.id} (${t.channel ?? '?'} from ${t.customerAddress}, ${count})`;
  if (o.kind === 'appended') return `appended to ticket ${t.id} (now ${count})`;
  return `duplicate: already stored, nothing changed (ticket ${t.id}, ${count})`;
};

// ---------- main ----------
export interface Io {
  readonly env?: NodeJS.ProcessEnv;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

/** Run one simulator command; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((l: string) => console.log(l));
  const err = io.err ?? ((l: string) => console.error(l));
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\nSee: ${sim} --help`);
    return 2;
  }
  const { provider, extra, values: v } = parsed;
  if (v.help) {
    out(helpText());
    return 0;
  }
  if ((provider === 'twilio-voice' || provider === 'vonage-voice') && !extra.length) return voiceScenario(provider, v, env, out);
  if (!provider || !(PROVIDERS as readonly string[]).includes(provider) || extra.length) {
    err(`${provider ? `unknown provider or extra argument: ${[provider, ...extra].join(' ')}\n` : ''}usage: ${sim} <${PROVIDERS.join('|')}> [options]   (every option: ${sim} --help)`);
    return 2;
  }
  const baseUrl = (v.url ?? defaultBaseUrl(env)).replace(/\/+$/, '');
  let signing;
  try {
    signing = signingBaseUrl(baseUrl, v['public-base-url'], env);
  } catch {
    err(`--url ${baseUrl} is not a URL (e.g. http://localhost:3000)`);
    return 2;
  }
  const built = await buildRequest(provider as Provider, v, signing.url, env);
  const { req } = built;
  const target = `${baseUrl}${req.path}${req.query ? `?${req.query}` : ''}`;
  if (SIGNS_URL.has(provider)) out(`signed for ${signing.url}${req.path} (${signing.why})`);
  const apiKey = v['api-key'] ?? env['SIMULATE_API_KEY'] ?? LOCAL_DEFAULTS.API_KEY;
  const lookup = built.message && !v['bad-signature'];

  let before: TicketSummary[] | LookupError | undefined;
  let r: { status: number; body: string };
  try {
    if (lookup) before = await listTickets(baseUrl, apiKey).catch((e: unknown) => (e instanceof LookupError ? e : Promise.reject(e)));
    r = await send(baseUrl, req);
  } catch (e) {
    err(unreachableMessage(baseUrl, e));
    return 1;
  }
  out(`${req.method} ${target} -> ${r.status}`);
  if (lookup && built.providerId) out(`provider id: ${built.providerId} (send it again with --id to see dedupe)`);

  if (r.status >= 300) {
    out(`refused: ${r.status} ${errorOf(r.body)}`);
    if (r.status === 403 && SIGNS_URL.has(provider) && !v['bad-signature']) {
      out(`  the server verifies the signature against its PUBLIC_BASE_URL (the ready line's "public URL"); this request was signed for ${signing.url}. Pass --public-base-url <that URL>.`);
    }
    // A refusal is what --bad-signature asks for.
    return v['bad-signature'] && (r.status === 401 || r.status === 403) ? 0 : 1;
  }
  if (r.body.trim()) out(`answer: ${errorOf(r.body)}`);
  if (!lookup) {
    out('outcome: accepted');
    return 0;
  }
  try {
    if (before instanceof LookupError) throw before;
    const after = await listTickets(baseUrl, apiKey);
    const outcome = classify(before ?? [], after, built.from);
    out(`outcome: ${describe(outcome, built.message)}`);
    if (outcome.kind !== 'unseen' && ['sendgrid', 'mailgun', 'postmark', 'ses'].includes(provider)) {
      out(`  reply into it: --in-reply-to ${bareMessageId(built.providerId ?? '')}  or  --subject "Re: ... [#${outcome.ticket.id}]"`);
    }
  } catch (e) {
    out(`outcome: accepted (${r.status}); could not look the ticket up: ${e instanceof Error ? e.message : String(e)}`);
  }
  return 0;
}

/** `twilio-voice` / `vonage-voice`: a whole call (bin/simulate-voice.ts), then whether the recording reached the ticket. */
async function voiceScenario(scenario: 'twilio-voice' | 'vonage-voice', v: Values, env: NodeJS.ProcessEnv, out: (l: string) => void): Promise<number> {
  const { runVoiceScenario } = await import('./simulate-voice.ts');
  const baseUrl = (v.url ?? defaultBaseUrl(env)).replace(/\/+$/, '');
  const apiKey = v['api-key'] ?? env['SIMULATE_API_KEY'] ?? LOCAL_DEFAULTS.API_KEY;
  const seconds = v.seconds !== undefined ? Number(v.seconds) : undefined;
  if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0 && seconds <= 7200)) {
    out('--seconds must be a whole number of seconds (1-7200)');
    return 2;
  }
  try {
    // The ticket list before the call: the call's ticket is the one it creates or grows (printed as the other scenarios do).
    const before = v['bad-signature']
      ? []
      : await listTickets(baseUrl, apiKey).catch((e: unknown) => {
          if (!(e instanceof LookupError)) throw e;
          out(`cannot look the call's ticket up: ${e.message}`);
          return [];
        });
    return await runVoiceScenario(scenario, {
      baseUrl,
      signingBase: signingBaseUrl(baseUrl, v['public-base-url'], env).url,
      from: v.from,
      to: v.to,
      missed: v.missed,
      seconds,
      transcript: v.transcript,
      bad: v['bad-signature'],
      stubPort: v['stub-port'] !== undefined ? Number(v['stub-port']) : undefined,
      token: v.token,
      env,
      out,
      api: voiceApi(baseUrl, apiKey, before),
    });
  } catch (e) {
    out(unreachableMessage(baseUrl, e));
    return 1;
  }
}

/** The simulator's view of the call through the API: its ticket (new or grown since `before`), and its message by call id. */
function voiceApi(baseUrl: string, apiKey: string, before: readonly TicketSummary[]): VoiceApi {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new LookupError(`GET ${path} answered ${res.status}`);
    return (await res.json()) as T;
  };
  type Message = { text?: string; attachments?: unknown[]; voice?: { callId: string; recordings?: CallView['recordings']; transcripts?: CallView['transcripts'] } | null };
  return {
    async ticket(from) {
      const o = classify(before, await listTickets(baseUrl, apiKey), from);
      return o.kind === 'new' || o.kind === 'appended' ? { id: o.ticket.id, line: describe(o, true) } : undefined;
    },
    async call(ticketId, callId) {
      const detail = await get<{ messages?: Message[] }>(`/v1/tickets/${encodeURIComponent(ticketId)}`);
      const m = detail.messages?.find((x) => x.voice?.callId === callId);
      if (!m?.voice) return undefined;
      return { text: m.text ?? '', attachments: m.attachments?.length ?? 0, recordings: m.voice.recordings ?? [], ...(m.voice.transcripts ? { transcripts: m.voice.transcripts } : {}) };
    },
  };
}
