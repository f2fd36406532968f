/**
 * What survey and reminder emails say (issue 12): the question with one signed link per score to
 * `GET /surveys/{token}?score=N`, an HTML alternative with the same links, and a one-click
 * unsubscribe URL (`List-Unsubscribe`, RFC 8058). Other channels keep their buttons or typed
 * numbers. Pure.
 */
import { replySubject, ticketToken } from '../email.ts';
import type { Ticket } from '../types.ts';
import { sealSurveyToken, UNSUBSCRIBE_LINK_SECONDS, type SurveyTokenClaims } from './survey-token.ts';
import { SCALES, type SurveyKind } from './surveys.ts';

export interface LinkKeys {
  /** core/ports.ts CoreSettings.surveyKey */
  readonly key: string;
  /** PUBLIC_BASE_URL, without a trailing slash. */
  readonly baseUrl: string;
}

export interface EmailContent {
  readonly text: string;
  readonly email: { readonly subject: string; readonly html?: string; readonly listUnsubscribe: string };
}

/** Escape text for HTML element content and quoted attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** The page's URL for one score. */
export const surveyPageUrl = (keys: LinkKeys, token: string, score?: number): string =>
  `${keys.baseUrl}/surveys/${token}${score === undefined ? '' : `?score=${score}`}`;

export function unsubscribeUrl(keys: LinkKeys, ticketId: string, messageId: string, kind: SurveyKind, now: Date): string {
  const claims: SurveyTokenClaims = { purpose: 'unsubscribe', ticketId, messageId, kind, expiresAt: seconds(now) + UNSUBSCRIBE_LINK_SECONDS };
  return `${keys.baseUrl}/unsubscribe/${sealSurveyToken(keys.key, claims)}`;
}

/**
 * The survey email: `question`, then one link per score (valid for `replyWindowSeconds`, like a typed
 * answer), and the unsubscribe link; the subject keeps the ticket token so a typed reply threads.
 */
export function surveyEmail(
  keys: LinkKeys,
  o: { ticket: Pick<Ticket, 'id'>; messageId: string; now: Date; kind: SurveyKind; question: string; replyWindowSeconds: number },
): EmailContent {
  const token = sealSurveyToken(keys.key, { purpose: 'survey', ticketId: o.ticket.id, messageId: o.messageId, kind: o.kind, expiresAt: seconds(o.now) + o.replyWindowSeconds });
  const { min, max } = SCALES[o.kind];
  const scores = Array.from({ length: max - min + 1 }, (_, i) => min + i);
  const unsubscribe = unsubscribeUrl(keys, o.ticket.id, o.messageId, o.kind, o.now);
  const text = [
    o.question,
    '',
    'Or choose your answer:',
    ...scores.map((s) => `${s}: ${surveyPageUrl(keys, token, s)}`),
    '',
    `To stop automated messages like this one: ${unsubscribe}`,
  ].join('\n');
  const link = (s: number) =>
    `<a href="${escapeHtml(surveyPageUrl(keys, token, s))}" style="display:inline-block;min-width:2em;margin:0 4px 4px 0;padding:8px 10px;border:1px solid #1f4e8c;border-radius:4px;color:#1f4e8c;text-align:center;text-decoration:none;font-weight:bold">${s}</a>`;
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>How did we do?</title></head>',
    '<body style="font-family:system-ui,sans-serif;color:#1a1a1a;line-height:1.5">',
    `<p>${escapeHtml(o.question)}</p>`,
    `<p>${scores.map(link).join('')}</p>`,
    `<p style="font-size:small;color:#555">To stop automated messages like this one, <a href="${escapeHtml(unsubscribe)}" style="color:#1f4e8c">unsubscribe</a>.</p>`,
    '</body></html>',
  ].join('\n');
  return { text, email: { subject: `How did we do? ${ticketToken(o.ticket.id)}`, html, listUnsubscribe: unsubscribe } };
}

/** The pending reminder by email: its text, an unsubscribe link, and the ticket's own subject. */
export function reminderEmail(keys: LinkKeys, o: { ticket: Pick<Ticket, 'id' | 'subject'>; messageId: string; now: Date; kind: SurveyKind; text: string }): EmailContent {
  const unsubscribe = unsubscribeUrl(keys, o.ticket.id, o.messageId, o.kind, o.now);
  return {
    text: `${o.text}\n\nTo stop automated messages like this one: ${unsubscribe}`,
    email: { subject: replySubject(o.ticket.subject, o.ticket.id), listUnsubscribe: unsubscribe },
  };
}
