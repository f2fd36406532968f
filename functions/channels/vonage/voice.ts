/**
 * Vonage Voice webhooks: `GET|POST /webhooks/vonage/voice/answer` (answered with an NCCO),
 * `POST /webhooks/vonage/voice/event` (call events) and `POST /webhooks/vonage/voice/recording`
 * (record and transcription webhooks, at the URL our NCCO gave Vonage).
 *
 * Verified like the Messages webhooks (verify.ts: HS256 JWT under the signature secret, fresh `iat`,
 * `payload_hash`), and more: the JWT's `jti` is claimed once for this exact request (a token reused
 * on another route or body is a replay, 403), the `application_id` must be ours when
 * VONAGE_APPLICATION_ID is set, and record/transcription callbacks must carry the call context our
 * NCCO sealed into their URL (ncco.ts). Nothing is stored before all that, and nothing is ever
 * fetched here: a transcription callback only names its file, which the worker reads later.
 */
import { ClientError } from '../../core/errors.ts';
import { voiceGreeting } from '../../core/voice/greeting.ts';
import type { ChannelEvent } from '../../core/types.ts';
import type { HttpRequest, HttpResponse } from '../../http.ts';
import { sha256Hex } from '../shared/crypto.ts';
import { forbidden, parseJsonBody, requireMediaType } from '../shared/http.ts';
import { ProviderNotConfigured, type ChannelContext, type ChannelModule, type ReceiveResult } from '../types.ts';
import { answerNcco, openCallbackContext, voicemailActions, VONAGE_VOICE_PATHS, type CallContext, type NccoOptions } from './ncco.ts';
import { CLOCK_SKEW_SECONDS, verifyVonageRequest } from './verify.ts';
import { isTranscription, normalizeAnswer, normalizeEvent, normalizeRecording, normalizeTranscription } from './voice-normalize.ts';

/** The voicemail prompt after a forward nobody picked up. */
export const FORWARD_FAILED_PROMPT = 'Sorry, nobody can take your call right now. Please leave a message after the tone.';

const ncco = (actions: unknown[]): HttpResponse => ({ statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(actions) });
const noContent: HttpResponse = { statusCode: 204, headers: {}, body: '' };

type Route = keyof typeof VONAGE_VOICE_PATHS;
const routeOf = (path: string): Route | undefined =>
  (Object.keys(VONAGE_VOICE_PATHS) as Route[]).find((r) => VONAGE_VOICE_PATHS[r] === path.replace(/\/+$/, ''));

/** The bytes `payload_hash` covers: the body of a POST; for a GET, the query as a compact JSON object (Vonage's rule). */
const getPayload = (req: HttpRequest): Buffer => Buffer.from(JSON.stringify(Object.fromEntries(req.query)), 'utf8');

interface Verified {
  readonly body: unknown;
  readonly claims: Record<string, unknown>;
}

async function verify(req: HttpRequest, ctx: ChannelContext, secret: string): Promise<Verified> {
  const args = { secret, authorization: req.headers['authorization'], now: ctx.now, maxAgeSeconds: ctx.config.maxSignatureAgeSeconds };
  const isGet = req.method === 'GET';
  let verdict = verifyVonageRequest({ ...args, rawBody: isGet ? getPayload(req) : req.body });
  let body: unknown;
  if (!isGet && !verdict.ok && verdict.reason === 'payload_hash_mismatch') {
    // Vonage documents the hash as that of the JSON re-serialized without whitespace; accept that
    // form too (it covers exactly what we act on: the parsed body).
    try {
      body = JSON.parse(req.body.toString('utf8'));
      verdict = verifyVonageRequest({ ...args, rawBody: Buffer.from(JSON.stringify(body), 'utf8') });
    } catch {
      /* not JSON: the mismatch stands */
    }
  }
  if (!verdict.ok) throw forbidden(verdict.reason, `The Vonage signature is not valid (${verdict.reason.replaceAll('_', ' ')}).`);
  const { jti, application_id: app, payload_hash: hash } = verdict.claims;
  const ours = ctx.config.secrets.VONAGE_APPLICATION_ID;
  if (ours && app === undefined) throw forbidden('missing_application_id', 'The Vonage signature names no application (application_id).');
  if (ours && app !== ours) throw forbidden('wrong_application', 'The Vonage signature is for another application.');
  if (typeof jti !== 'string' || !jti || jti.length > 256) throw forbidden('missing_jti', 'The Vonage signature has no token id (jti).');
  // One token signs one request: Vonage's retry of it is the same request; anything else reusing it is a replay.
  // The record outlives every moment the token is accepted: its iat may be up to the skew in the future.
  const binding = sha256Hex(`${req.method} ${req.path}?${req.rawQuery}|${String(hash)}`);
  if (!(await ctx.io.claimNonce('vonage-voice', jti, replayRecordSeconds(ctx.config.maxSignatureAgeSeconds), binding))) {
    throw forbidden('replayed_token', 'This Vonage signature was already used for another request.');
  }
  if (isGet) return { body: Object.fromEntries(req.query), claims: verdict.claims };
  requireMediaType(req, ['application/json'], 'Vonage Voice');
  return { body: body ?? parseJsonBody(req), claims: verdict.claims };
}

/** How long a claimed `jti` is kept: a token is accepted until its iat (≤ now + skew) + the max age. */
export const replayRecordSeconds = (maxAgeSeconds: number): number => maxAgeSeconds + CLOCK_SKEW_SECONDS + 60;

function sealedContext(req: HttpRequest, secret: string): CallContext {
  const c = openCallbackContext(req.query, secret);
  if (!c.ok) throw forbidden(c.reason, 'The callback URL does not carry a valid call context (it must be the one our NCCO gave Vonage).');
  return c.context;
}

const withAccount = (events: ChannelEvent[], claims: Record<string, unknown>): ChannelEvent[] =>
  events.map((e) =>
    e.kind === 'call' && typeof claims['application_id'] === 'string' && !e.call.providerAccount
      ? { ...e, call: { ...e.call, providerAccount: claims['application_id'] as string } }
      : e,
  );

export const vonageVoice = {
  provider: 'vonage',
  async receive(req: HttpRequest, ctx: ChannelContext): Promise<ReceiveResult> {
    const secret = ctx.config.secrets.VONAGE_SIGNATURE_SECRET;
    if (!secret) throw new ProviderNotConfigured('vonage', 'VONAGE_SIGNATURE_SECRET is not set');
    const route = routeOf(req.path);
    if (!route) throw new ClientError(404, 'unknown_route', 'No Vonage Voice webhook at this path.');
    if (req.method !== 'POST' && !(route === 'answer' && req.method === 'GET')) {
      throw new ClientError(405, 'method_not_allowed', `${route === 'answer' ? 'GET or POST' : 'POST'} only.`);
    }
    const { body, claims } = await verify(req, ctx, secret);
    const receivedAt = ctx.now.toISOString();
    const settings = ctx.config.voice;
    const nccoOptions = (call: CallContext): NccoOptions => ({
      publicBaseUrl: ctx.config.publicBaseUrl,
      secret,
      call,
      greeting: voiceGreeting(ctx.now, settings),
      transcribe: ctx.config.vonageTranscribeLanguage ? { language: ctx.config.vonageTranscribeLanguage } : undefined,
    });

    if (route === 'answer') {
      const { call, context } = normalizeAnswer(body, receivedAt);
      return { kind: 'events', events: withAccount([{ kind: 'call', call }], claims), ok: ncco(answerNcco(nccoOptions(context))) };
    }

    if (route === 'event') {
      // Our `connect` action's events come with the sealed context; the application's event_url without.
      const forwarded = req.query.has('sig') ? sealedContext(req, secret) : undefined;
      const out = normalizeEvent(body, receivedAt, forwarded);
      if (out.kind === 'forward-failed') {
        return { kind: 'events', events: [], ok: ncco(voicemailActions(nccoOptions(forwarded!), { prompt: FORWARD_FAILED_PROMPT })) };
      }
      const events: ChannelEvent[] = out.kind === 'call' ? [{ kind: 'call', call: out.call }] : [{ kind: 'skipped', reason: out.reason, detail: out.detail }];
      return { kind: 'events', events: withAccount(events, claims), ok: noContent };
    }

    const context = sealedContext(req, secret);
    if (!isTranscription(body)) {
      return { kind: 'events', events: withAccount([{ kind: 'call', call: normalizeRecording(body, receivedAt, context) }], claims), ok: noContent };
    }
    // The transcript file is NOT read here (Vonage waits on this answer): the worker reads it later.
    const t = normalizeTranscription(body, receivedAt, context);
    const events: ChannelEvent[] = t.kind === 'call' ? [{ kind: 'call', call: t.call }] : [t];
    return { kind: 'events', events: withAccount(events, claims), ok: noContent };
  },
} satisfies ChannelModule;
