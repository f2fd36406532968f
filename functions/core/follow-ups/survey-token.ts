/**
 * Signed, expiring links in survey and reminder emails (issue 12): `GET /surveys/{token}` records a
 * score, `/unsubscribe/{token}` opts the address out (RFC 8058). A token names the ticket, the
 * automated message it was sent in, the survey kind and when it expires; it is signed with
 * HMAC-SHA256 under the deployment's survey key (config.ts `surveyKey`), so nobody can make one for
 * another ticket, change its kind or extend it. Pure.
 *
 *   <purpose>.<ticket id>.<message id>.<kind>.<expiry, unix seconds>.<MAC: 16 bytes, base64url>
 *
 * The payload is plain (ULIDs, a word, digits: already URL-safe); the MAC covers it and the
 * purpose, so a survey link is not an unsubscribe link. A token is accepted only if it is exactly
 * the string we would have made for its payload (compared in constant time): no second spelling of
 * the MAC (base64 padding bits), no extra characters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SURVEY_KINDS, type SurveyKind } from './surveys.ts';

export type SurveyLinkPurpose = 'survey' | 'unsubscribe';

export interface SurveyTokenClaims {
  readonly purpose: SurveyLinkPurpose;
  readonly ticketId: string;
  /** The automated message (survey or reminder) the link was sent in. */
  readonly messageId: string;
  readonly kind: SurveyKind;
  /** Expiry, unix seconds. */
  readonly expiresAt: number;
}

export type OpenedSurveyToken =
  | { readonly ok: true; readonly claims: SurveyTokenClaims }
  /** `invalid`: malformed or not signed by us; `expired`: ours, but too late. */
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

/** Longer than any token we make (about 95 characters); longer input is refused before any work. */
export const MAX_TOKEN_CHARS = 160;
/** An unsubscribe link keeps working this long after the email was sent (a year). */
export const UNSUBSCRIBE_LINK_SECONDS = 365 * 86400;

const PURPOSE_CODE: Readonly<Record<SurveyLinkPurpose, string>> = { survey: 's', unsubscribe: 'u' };
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const TOKEN = new RegExp(`^([su])\\.(${ULID})\\.(${ULID})\\.(${SURVEY_KINDS.join('|')})\\.([1-9][0-9]{0,10})\\.([A-Za-z0-9_-]{22})$`);

const payloadOf = (c: SurveyTokenClaims): string => `${PURPOSE_CODE[c.purpose]}.${c.ticketId}.${c.messageId}.${c.kind}.${c.expiresAt}`;
const macOf = (key: string, payload: string): string => createHmac('sha256', key).update(`survey-link.v1|${payload}`).digest().subarray(0, 16).toString('base64url');

export function sealSurveyToken(key: string, c: SurveyTokenClaims): string {
  if (!key) throw new Error('sealSurveyToken: no key');
  if (!Number.isSafeInteger(c.expiresAt) || c.expiresAt < 1) throw new Error('sealSurveyToken: expiresAt must be whole unix seconds');
  const payload = payloadOf(c);
  if (!TOKEN.test(`${payload}.${'A'.repeat(22)}`)) throw new Error('sealSurveyToken: ticket and message ids must be ULIDs');
  return `${payload}.${macOf(key, payload)}`;
}

/** Check a token's signature, then its expiry; `purpose` must be the one it was made for. */
export function openSurveyToken(key: string, token: string, purpose: SurveyLinkPurpose, now: Date): OpenedSurveyToken {
  if (!key || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'invalid' };
  const m = TOKEN.exec(token);
  if (!m || m[1] !== PURPOSE_CODE[purpose]) return { ok: false, reason: 'invalid' };
  const claims: SurveyTokenClaims = { purpose, ticketId: m[2]!, messageId: m[3]!, kind: m[4] as SurveyKind, expiresAt: Number(m[5]) };
  const expected = Buffer.from(`${payloadOf(claims)}.${macOf(key, payloadOf(claims))}`);
  const given = Buffer.from(token);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  if (now.getTime() > claims.expiresAt * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
