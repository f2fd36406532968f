/**
 * The public survey page and one-click unsubscribe (issue 12), reached through signed, expiring
 * links in survey and reminder emails (core/follow-ups/survey-token.ts); no API key.
 *
 * | route                        | does                                                                        |
 * |------------------------------|-----------------------------------------------------------------------------|
 * | GET /surveys/{token}?score=N | records N as the ticket's rating (the same N again: nothing); thanks + comment form |
 * | GET /surveys/{token}         | a form to choose a score                                                    |
 * | POST /surveys/{token}        | form `score` (optional once rated) and `comment` (≤ 1000): records them      |
 * | GET /unsubscribe/{token}     | asks to confirm (mail scanners follow links: a GET never unsubscribes)      |
 * | POST /unsubscribe/{token}    | RFC 8058 one-click (`List-Unsubscribe=One-Click`): opts the address out      |
 *
 * Errors are a page for browsers (`Accept: text/html`) and the usual JSON error otherwise: an
 * invalid or tampered link is a 404, an expired one a 410, a bad score or comment a 400.
 */
import * as z from 'zod';
import { ClientError } from '../../core/errors.ts';
import { surveyText } from '../../core/follow-ups/surveys.ts';
import type { CoreDeps } from '../../core/ports.ts';
import { commentOf, openLink, rateFromPage, scoreOf, unsubscribeFromLink } from '../../core/services/survey-page.ts';
import type { HttpRequest, HttpResponse } from '../../http.ts';
import { defineRoute, type ApiRoute, type ResponseSpec } from '../route.ts';
import { choosePage, commentedPage, confirmUnsubscribePage, errorPage, thanksPage, unsubscribedPage } from '../survey-pages.ts';

/** Larger form bodies are refused before parsing (a comment is at most 1000 characters). */
export const MAX_FORM_BYTES = 16 * 1024;

const HtmlPage = z.string().meta({ description: 'An HTML page (no scripts; strict Content-Security-Policy).' });
const html = (description: string): ResponseSpec => ({ description, schema: HtmlPage, contentType: 'text/html', headers: { 'Content-Security-Policy': "default-src 'none'; style-src by hash; form-action 'self'" } });

const LINK_ERRORS = { 404: 'The link is not one of ours, was changed, or its ticket is gone (`link_invalid`).', 410: 'The link has expired (`link_expired`).' } as const;

/** Client errors as a page for browsers; API clients get the JSON error. */
async function pageOrError(req: HttpRequest, run: () => Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ClientError && /\btext\/html\b/i.test(req.headers['accept'] ?? '')) return errorPage(e.status, e.message);
    throw e;
  }
}

const tokenOf = (params: Readonly<Record<string, string | undefined>>) => params['token'] ?? '';

/** One value of a query or form field; a repeated field is a 400 (which one would count?). */
function single(values: readonly string[], name: string): string | undefined {
  if (values.length > 1) throw new ClientError(400, 'invalid_form', `The field "${name}" is given more than once.`);
  return values[0];
}

/** Parts a one-click unsubscribe form may have (it has one: List-Unsubscribe=One-Click). */
const MAX_FORM_PARTS = 20;

/**
 * The text fields of a small multipart/form-data body (≤ MAX_FORM_BYTES, ≤ MAX_FORM_PARTS parts):
 * all a one-click unsubscribe sends. Written out rather than loading the email webhook's multipart
 * parser (busboy) into the api function for one field; files are ignored.
 */
export function smallMultipartFields(body: Buffer, contentType: string): Array<[string, string]> {
  const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) throw new ClientError(400, 'invalid_form', 'The multipart body has no boundary.');
  const parts = body.toString('latin1').split(`--${b}`);
  if (parts.length - 2 > MAX_FORM_PARTS) throw new ClientError(413, 'too_many_parts', `At most ${MAX_FORM_PARTS} form parts.`);
  const out: Array<[string, string]> = [];
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break; // the closing delimiter
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /content-disposition:\s*form-data;[^\r\n]*?\bname="([^"]{1,200})"/i.exec(head)?.[1];
    if (!name || /filename=/i.test(head)) continue;
    out.push([name, Buffer.from(part.slice(split + 4).replace(/\r\n$/, ''), 'latin1').toString('utf8')]);
  }
  return out;
}

/** A form post: urlencoded (what browsers send) or, for unsubscribe, multipart (RFC 8058's SHOULD). */
async function formOf(req: HttpRequest, multipart: boolean): Promise<Map<string, string[]>> {
  if (req.body.length > MAX_FORM_BYTES) throw new ClientError(400, 'form_too_large', `The form is larger than ${MAX_FORM_BYTES} bytes.`);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const out = new Map<string, string[]>();
  const put = (k: string, v: string) => out.set(k, [...(out.get(k) ?? []), v]);
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) put(k, v);
    return out;
  }
  if (multipart && type === 'multipart/form-data') {
    for (const [k, v] of smallMultipartFields(req.body, req.headers['content-type']!)) put(k, v);
    return out;
  }
  throw new ClientError(415, 'unsupported_media_type', `Send the form as application/x-www-form-urlencoded${multipart ? ' or multipart/form-data' : ''}.`);
}

const question = (deps: CoreDeps, kind: Parameters<typeof surveyText>[0]) =>
  deps.settings.followUps.survey.kind === kind ? surveyText(kind, deps.settings.followUps.survey.text).replace(/\s*Reply with a number.*$/s, '') : 'How did we do?';

export const surveyRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/surveys/{token}',
    summary: 'Survey page (a link in a survey email): `?score=N` records N as the rating; without it, a form to choose one',
    responses: { 200: html('Thanks and a comment form (score recorded; the same score again changes nothing), or the form to choose a score.') },
    errors: { 400: 'The score is not a whole number on the survey’s scale (`invalid_score`), or is given twice.', ...LINK_ERRORS },
    async handle({ deps, req, params }) {
      return pageOrError(req, async () => {
        const token = tokenOf(params);
        const { claims, ticket } = await openLink(deps, token, 'survey');
        const raw = single(req.query.getAll('score'), 'score');
        if (raw === undefined) return choosePage(token, claims.kind, question(deps, claims.kind));
        const r = await rateFromPage(deps, ticket.id, claims.kind, scoreOf(claims.kind, raw));
        return thanksPage(token, claims.kind, r.rating.score);
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/surveys/{token}',
    summary: 'Survey page form (application/x-www-form-urlencoded): `score` (optional once rated) and `comment` (up to 1000 characters)',
    responses: { 200: html('The rating (and comment) recorded; a thank-you page.') },
    errors: { 400: 'A bad score (`invalid_score`), a comment over 1000 characters (`comment_too_long`), a repeated field or a form over 16 KB.', ...LINK_ERRORS, 415: 'Send the form as `application/x-www-form-urlencoded`.' },
    async handle({ deps, req, params }) {
      return pageOrError(req, async () => {
        const { claims, ticket } = await openLink(deps, tokenOf(params), 'survey');
        const form = await formOf(req, false);
        const rawScore = single(form.get('score') ?? [], 'score');
        const rawComment = single(form.get('comment') ?? [], 'comment');
        const score = rawScore === undefined || rawScore === '' ? undefined : scoreOf(claims.kind, rawScore);
        const r = await rateFromPage(deps, ticket.id, claims.kind, score, rawComment === undefined ? undefined : commentOf(rawComment));
        return commentedPage(claims.kind, r.rating.score, r.rating.comment);
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/unsubscribe/{token}',
    summary: 'Unsubscribe page (a link in a survey or reminder email): asks to confirm; a GET never unsubscribes',
    responses: { 200: html('A page with a button that posts the one-click unsubscribe.') },
    errors: LINK_ERRORS,
    async handle({ deps, req, params }) {
      return pageOrError(req, async () => {
        const token = tokenOf(params);
        await openLink(deps, token, 'unsubscribe');
        return confirmUnsubscribePage(token);
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/unsubscribe/{token}',
    summary: 'One-click unsubscribe (RFC 8058): body `List-Unsubscribe=One-Click`; opts the address out of automated messages on its channel',
    responses: { 200: html('Unsubscribed (also when the address already was).') },
    errors: { 400: 'The body is not `List-Unsubscribe=One-Click` (`invalid_form`).', ...LINK_ERRORS, 413: 'A multipart body with too many parts.', 415: 'Send the body as `application/x-www-form-urlencoded` or `multipart/form-data`.' },
    async handle({ deps, req, params }) {
      return pageOrError(req, async () => {
        const { ticket } = await openLink(deps, tokenOf(params), 'unsubscribe');
        const form = await formOf(req, true);
        if (single(form.get('List-Unsubscribe') ?? [], 'List-Unsubscribe') !== 'One-Click') throw new ClientError(400, 'invalid_form', 'The body must be List-Unsubscribe=One-Click (RFC 8058).');
        await unsubscribeFromLink(deps, ticket.id);
        return unsubscribedPage();
      });
    },
  }),
];
