import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeTwilio } from '../../functions/channels/twilio/normalize.ts';
import { ClientError } from '../../functions/core/errors.ts';

const AT = '2026-01-02T03:04:05.000Z';
const form = (s: string) => [...new URLSearchParams(s)];

describe('normalizeTwilio', () => {
  it('normalizes the real fixture (courier receiveValid)', () => {
    const body = readFileSync(new URL('../fixtures/twilio/twilio-1.txt', import.meta.url), 'utf8');
    const m = normalizeTwilio(form(body), AT);
    expect(m).toEqual({
      provider: 'twilio',
      channel: 'sms',
      providerMessageId: 'SMe287d7109a5a925f182f0e07fe5b223b',
      threadKey: '+12028831111|+14133881111',
      from: '+14133881111',
      to: '+12028831111',
      identity: { kind: 'phone', value: '+14133881111' },
      text: 'Msg',
      attachments: [],
      receivedAt: AT,
      providerAccount: 'acctid',
    });
  });

  it('treats whatsapp: senders as the whatsapp channel with the E.164 phone as identity', () => {
    const m = normalizeTwilio(
      form('MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B447700900123&To=whatsapp%3A%2B14155238886&Body=hi&ProfileName=Ada&WaId=447700900123'),
      AT,
    );
    expect(m.channel).toBe('whatsapp');
    expect(m.identity).toEqual({ kind: 'phone', value: '+447700900123' });
    expect(m.from).toBe('whatsapp:+447700900123');
    expect(m.threadKey).toBe('+14155238886|+447700900123');
    expect(m.displayName).toBe('Ada');
  });

  it('keeps MMS media as attachments', () => {
    const m = normalizeTwilio(
      form(
        'MessageSid=MM0123456789abcdef0123456789abcdef&From=%2B14155550100&To=%2B14155550199&Body=&NumMedia=2' +
          '&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME111&MediaContentType0=image%2Fjpeg' +
          '&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME222&MediaContentType1=application%2Fpdf',
      ),
      AT,
    );
    expect(m.attachments).toEqual([
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME111', contentType: 'image/jpeg', providerMediaId: 'ME111' },
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME222', contentType: 'application/pdf', providerMediaId: 'ME222' },
    ]);
    expect(m.text).toBe('');
  });

  it('keeps a short code or alphanumeric sender as its own identity', () => {
    const m = normalizeTwilio(form('MessageSid=SM0123456789abcdef0123456789abcdef&From=ACME&To=%2B14155550199&Body=x'), AT);
    expect(m.identity).toEqual({ kind: 'sms-sender', value: 'ACME' });
  });

  it.each([
    ['no MessageSid', 'From=%2B14155550100&To=%2B14155550199&Body=x', 'MessageSid'],
    ['no From', 'MessageSid=SM0123456789abcdef0123456789abcdef&To=%2B14155550199&Body=x', 'From'],
    ['a bad MessageSid', 'MessageSid=%3Cscript%3E&From=%2B1&To=%2B2', 'MessageSid'],
    ['NumMedia not a number', 'MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B1&To=%2B2&NumMedia=lots', 'NumMedia'],
  ])('rejects %s with a 400 naming the field', (_name, body, field) => {
    let err: unknown;
    try {
      normalizeTwilio(form(body), AT);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).status).toBe(400);
    expect((err as ClientError).code).toBe('invalid_payload');
    expect(JSON.stringify((err as ClientError).details)).toContain(field);
  });
});
