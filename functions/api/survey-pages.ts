/**
 * The survey and unsubscribe pages (issue 12): small, server-rendered HTML that works without
 * JavaScript. Every page has a language, a heading, labelled form fields and high-contrast colours;
 * its one stylesheet is inline and allowed by hash, nothing else loads (no scripts, images or
 * fonts), forms post only to this origin, and the token in the URL never leaks as a Referer.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../core/follow-ups/survey-links.ts';
import { MAX_COMMENT_CHARS, SCALES, type SurveyKind } from '../core/follow-ups/surveys.ts';
import type { HttpResponse } from '../http.ts';

const STYLE = [
  'body{margin:0;background:#fff;color:#1a1a1a;font:1.05rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
  'main{max-width:36rem;margin:0 auto;padding:2rem 1.25rem}',
  'h1{font-size:1.5rem;margin:0 0 1rem}',
  'fieldset{border:1px solid #767676;border-radius:6px;margin:0 0 1rem;padding:.75rem}',
  'legend{padding:0 .25rem;font-weight:600}',
  '.scores{display:flex;flex-wrap:wrap;gap:.5rem}',
  '.scores label{display:inline-flex;align-items:center;gap:.25rem;padding:.35rem .6rem;border:1px solid #767676;border-radius:4px}',
  'label{font-weight:600}',
  'textarea{display:block;box-sizing:border-box;width:100%;min-height:7rem;margin:.35rem 0 1rem;padding:.5rem;border:1px solid #595959;border-radius:4px;font:inherit;color:inherit}',
  'button{padding:.6rem 1.1rem;border:0;border-radius:4px;background:#1f4e8c;color:#fff;font:inherit;font-weight:600;cursor:pointer}',
  'button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #b35c00;outline-offset:2px}',
  '.note{color:#4a4a4a;font-size:.95rem}',
  'blockquote{margin:0 0 1rem;padding:.5rem .75rem;border-left:4px solid #1f4e8c;background:#f3f6fa;white-space:pre-wrap}',
].join('');

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export const SURVEY_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': SURVEY_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  // The token is in the URL: never send it on as a Referer, never cache or index the page.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex, nofollow',
  'x-frame-options': 'DENY',
};

const page = (status: number, title: string, body: string): HttpResponse => ({
  statusCode: status,
  headers: { ...HEADERS },
  body: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`,
});

/** The form posts back to the page's own path (relative: the token is the last segment), so it works under any prefix. */
const commentField = (value = '') =>
  `<label for="comment">Anything you would like to add? (optional)</label>
<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_CHARS}" aria-describedby="comment-help">${escapeHtml(value)}</textarea>
<p id="comment-help" class="note">Up to ${MAX_COMMENT_CHARS} characters. Your comment goes to the team that helped you.</p>`;

/** No score in the link: choose one (and optionally comment). */
export function choosePage(token: string, kind: SurveyKind, question: string): HttpResponse {
  const { min, max } = SCALES[kind];
  const radios = Array.from({ length: max - min + 1 }, (_, i) => min + i)
    .map((s) => `<label><input type="radio" name="score" value="${s}" required> ${s}</label>`)
    .join('\n');
  return page(
    200,
    'How did we do?',
    `<form method="post" action="${escapeHtml(token)}">
<fieldset>
<legend>${escapeHtml(question)}</legend>
<div class="scores">
${radios}
</div>
</fieldset>
${commentField()}
<button type="submit">Send</button>
</form>`,
  );
}

/** A score was recorded: thanks, and a form for a comment. */
export function thanksPage(token: string, kind: SurveyKind, score: number): HttpResponse {
  return page(
    200,
    'Thank you for your feedback',
    `<p>You rated us <strong>${score}</strong> out of ${SCALES[kind].max}. You can change it by choosing another score in the email.</p>
<form method="post" action="${escapeHtml(token)}">
<input type="hidden" name="score" value="${score}">
${commentField()}
<button type="submit">Send comment</button>
</form>`,
  );
}

/** A comment was recorded. */
export function commentedPage(kind: SurveyKind, score: number, comment: string | undefined): HttpResponse {
  return page(
    200,
    'Thank you for your feedback',
    `<p>You rated us <strong>${score}</strong> out of ${SCALES[kind].max}.</p>
${comment ? `<p>Your comment:</p>\n<blockquote>${escapeHtml(comment)}</blockquote>` : ''}
<p class="note">You can close this page.</p>`,
  );
}

/** GET /unsubscribe/{token}: confirm first (mail scanners follow links; only a POST unsubscribes). */
export function confirmUnsubscribePage(token: string): HttpResponse {
  return page(
    200,
    'Stop automated messages?',
    `<p>We will stop sending you automated messages such as satisfaction surveys and reminders at this address. Replies from our team are still sent.</p>
<form method="post" action="${escapeHtml(token)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function unsubscribedPage(): HttpResponse {
  return page(200, 'You are unsubscribed', '<p>You will not get automated messages from us at this address any more. Replies from our team are still sent.</p>');
}

/** A client error as a page (for browsers). */
export function errorPage(status: number, message: string): HttpResponse {
  const title = status === 410 ? 'This link has expired' : status === 404 ? 'This link is not valid' : 'Something is not right';
  return page(status, title, `<p>${escapeHtml(message)}</p>`);
}
