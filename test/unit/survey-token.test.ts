/** Signed survey and unsubscribe links (core/follow-ups/survey-token.ts) and what the emails carry (survey-links.ts). */
import { describe, expect, it } from 'vitest';
import { reminderEmail, surveyEmail } from '../../functions/core/follow-ups/survey-links.ts';
import { MAX_TOKEN_CHARS, openSurveyToken, sealSurveyToken, type SurveyTokenClaims } from '../../functions/core/follow-ups/survey-token.ts';

const KEY = 'a'.repeat(64);
const NOW = new Date('2026-03-02T10:00:00.000Z');
const claims: SurveyTokenClaims = {
  purpose: 'survey',
  ticketId: '01JDQ5G7Y8Z9A0B1C2D3E4F5G6',
  messageId: '01JDQ5G7Y8Z9A0B1C2D3E4F5H7',
  kind: 'csat',
  expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
};

describe('survey tokens', () => {
  it('round-trips: what was sealed opens with the same key, purpose and time', () => {
    const token = sealSurveyToken(KEY, claims);
    expect(token).toMatch(/^s\.[0-9A-Z]{26}\.[0-9A-Z]{26}\.csat\.\d+\.[A-Za-z0-9_-]{22}$/);
    expect(token.length).toBeLessThan(MAX_TOKEN_CHARS);
    expect(openSurveyToken(KEY, token, 'survey', NOW)).toEqual({ ok: true, claims });
  });

  it('refuses another key, another purpose, and a changed field', () => {
    const token = sealSurveyToken(KEY, claims);
    expect(openSurveyToken('b'.repeat(64), token, 'survey', NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(openSurveyToken('', token, 'survey', NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(openSurveyToken(KEY, token, 'unsubscribe', NOW)).toEqual({ ok: false, reason: 'invalid' });
    // The same MAC on an unsubscribe payload (purpose is signed too).
    expect(openSurveyToken(KEY, `u${token.slice(1)}`, 'unsubscribe', NOW)).toEqual({ ok: false, reason: 'invalid' });
    const later = token.replace(`.${claims.expiresAt}.`, `.${claims.expiresAt + 86400}.`);
    expect(openSurveyToken(KEY, later, 'survey', NOW)).toEqual({ ok: false, reason: 'invalid' });
    const nps = token.replace('.csat.', '.nps.');
    expect(openSurveyToken(KEY, nps, 'survey', NOW)).toEqual({ ok: false, reason: 'invalid' });
    const other = token.replace(claims.ticketId, '01JDQ5G7Y8Z9A0B1C2D3E4F5G7');
    expect(openSurveyToken(KEY, other, 'survey', NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses the token with any single character changed (every position, several replacements)', () => {
    const token = sealSurveyToken(KEY, claims);
    const alphabet = 'AZaz09_-.s';
    let tried = 0;
    for (let i = 0; i < token.length; i++) {
      for (const c of alphabet) {
        if (c === token[i]) continue;
        const flipped = token.slice(0, i) + c + token.slice(i + 1);
        expect(openSurveyToken(KEY, flipped, 'survey', NOW).ok, `position ${i} → ${c}`).toBe(false);
        tried++;
      }
      // The byte itself flipped (one bit): still refused.
      const bit = token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ 1) + token.slice(i + 1);
      expect(openSurveyToken(KEY, bit, 'survey', NOW).ok, `bit flip at ${i}`).toBe(false);
    }
    expect(tried).toBeGreaterThan(token.length * 8);
  });

  it('refuses a second spelling of the MAC (base64url padding bits), truncation, extra characters and huge input', () => {
    const token = sealSurveyToken(KEY, claims);
    const last = token.at(-1)!;
    // 16 bytes → 22 base64url characters; the last one carries 4 unused bits: another spelling of the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[(alphabet.indexOf(last) & ~0xf) | ((alphabet.indexOf(last) + 1) & 0xf)]!;
    const respelled = token.slice(0, -1) + twin;
    expect(Buffer.from(respelled.split('.').at(-1)!, 'base64url')).toEqual(Buffer.from(token.split('.').at(-1)!, 'base64url'));
    expect(openSurveyToken(KEY, respelled, 'survey', NOW).ok).toBe(false);
    expect(openSurveyToken(KEY, token.slice(0, -1), 'survey', NOW).ok).toBe(false);
    expect(openSurveyToken(KEY, `${token}=`, 'survey', NOW).ok).toBe(false);
    expect(openSurveyToken(KEY, ` ${token}`, 'survey', NOW).ok).toBe(false);
    expect(openSurveyToken(KEY, token + 'A'.repeat(10_000), 'survey', NOW).ok).toBe(false);
    for (const junk of ['', '.', 's', 's....', '../../etc/passwd', '%00', '\u0000'.repeat(50)]) expect(openSurveyToken(KEY, junk, 'survey', NOW).ok).toBe(false);
  });

  it('expires: valid up to its second, expired after; an expired forgery is still just invalid', () => {
    const token = sealSurveyToken(KEY, claims);
    expect(openSurveyToken(KEY, token, 'survey', new Date(claims.expiresAt * 1000)).ok).toBe(true);
    expect(openSurveyToken(KEY, token, 'survey', new Date(claims.expiresAt * 1000 + 1))).toEqual({ ok: false, reason: 'expired' });
    const old = sealSurveyToken('other-key', { ...claims, expiresAt: 1_000_000 });
    expect(openSurveyToken(KEY, old, 'survey', NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('will not seal without a key or with ids that are not ULIDs', () => {
    expect(() => sealSurveyToken('', claims)).toThrow(/no key/);
    expect(() => sealSurveyToken(KEY, { ...claims, ticketId: 'x.y' })).toThrow(/ULID/);
    expect(() => sealSurveyToken(KEY, { ...claims, expiresAt: 1.5 })).toThrow(/unix seconds/);
  });
});

describe('survey and reminder emails', () => {
  const keys = { key: KEY, baseUrl: 'https://support.example' };
  const ticket = { id: claims.ticketId, subject: 'My parcel' };

  it('the survey links each score to the page with a token that opens, valid for the reply window', () => {
    const e = surveyEmail(keys, { ticket, messageId: claims.messageId, now: NOW, kind: 'csat', question: 'How did we do? Reply with a number from 1 to 5.', replyWindowSeconds: 7 * 86400 });
    const links = [...e.text.matchAll(/^(\d+): (https:\/\/support\.example\/surveys\/(\S+)\?score=(\d+))$/gm)];
    expect(links.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5]);
    expect(links.every((m) => m[1] === m[4])).toBe(true);
    const opened = openSurveyToken(KEY, links[0]![3]!, 'survey', NOW);
    expect(opened).toEqual({ ok: true, claims: { ...claims, expiresAt: Math.floor(NOW.getTime() / 1000) + 7 * 86400 } });
    for (const m of links) expect(e.email.html).toContain(`href="${m[2]}"`);
    expect(e.email.subject).toBe(`How did we do? [#${claims.ticketId}]`);
    expect(e.email.listUnsubscribe).toMatch(/^https:\/\/support\.example\/unsubscribe\/u\./);
    expect(openSurveyToken(KEY, e.email.listUnsubscribe.split('/').at(-1)!, 'unsubscribe', new Date(NOW.getTime() + 300 * 86400_000)).ok).toBe(true);
    expect(e.text).toContain(e.email.listUnsubscribe);
  });

  it('escapes the question in the HTML part', () => {
    const e = surveyEmail(keys, { ticket, messageId: claims.messageId, now: NOW, kind: 'nps', question: '<script>x</script> & "q"', replyWindowSeconds: 60 });
    expect(e.email.html).toContain('&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;');
    expect(e.email.html).not.toContain('<script>');
    expect([...e.text.matchAll(/\?score=(\d+)$/gm)].map((m) => m[1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('the reminder keeps its words, adds the unsubscribe link and answers under the ticket’s subject', () => {
    const e = reminderEmail(keys, { ticket, messageId: claims.messageId, now: NOW, kind: 'csat', text: 'Still need help?' });
    expect(e.text.startsWith('Still need help?\n\nTo stop automated messages like this one: https://support.example/unsubscribe/')).toBe(true);
    expect(e.email.subject).toBe(`Re: My parcel [#${claims.ticketId}]`);
  });
});
