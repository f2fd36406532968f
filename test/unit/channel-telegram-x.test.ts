import { describe, expect, it } from 'vitest';
import { normalizeTelegram } from '../../functions/channels/telegram/normalize.ts';
import { telegram } from '../../functions/channels/telegram/index.ts';
import { normalizeX, x, xSignature } from '../../functions/channels/x/index.ts';
import { fixtureBytes, fixtureJson, request, testConfig, thrown } from '../helpers/fixtures.ts';

const AT = '2026-02-01T00:00:00.000Z';
const now = new Date(AT);

describe('Telegram', () => {
  const secret = fixtureJson('telegram/vectors.json').derived.secret_token as string;
  const config = testConfig({ TELEGRAM_SECRET_TOKEN: secret });
  const post = (body: string | Buffer, token?: string) =>
    request('POST', '/webhooks/telegram', body, { 'content-type': 'application/json', ...(token !== undefined ? { 'x-telegram-bot-api-secret-token': token } : {}) });

  it('normalizes the fixture: thread by chat, dedupe by update_id', () => {
    const r = telegram.receive(post(fixtureBytes('telegram/telegram-1.json'), secret), { config, now });
    expect(r.kind === 'events' && r.events).toEqual([
      {
        kind: 'message',
        message: {
          provider: 'telegram',
          channel: 'telegram',
          providerMessageId: '3527065:41',
          dedupeId: 'update:174114370',
          threadKey: '3527065',
          from: '3527065',
          to: 'bot',
          identity: { kind: 'telegram', value: '3527065' },
          displayName: 'Nic Pottier',
          text: 'Hello World',
          attachments: [],
          receivedAt: AT,
          sentAt: '2016-01-30T01:57:09.000Z',
        },
      },
    ]);
  });

  it('refuses a wrong or missing secret token with 403', () => {
    expect(thrown(() => telegram.receive(post(fixtureBytes('telegram/telegram-1.json'), 'my_Secret-Token_124'), { config, now }))).toMatchObject({ status: 403, code: 'bad_signature' });
    expect(thrown(() => telegram.receive(post(fixtureBytes('telegram/telegram-1.json')), { config, now }))).toMatchObject({ status: 403, code: 'missing_signature' });
  });

  it('turns edited_message into an edit of the original and callback_query into a message', () => {
    const edit = normalizeTelegram({ update_id: 2, edited_message: { message_id: 41, chat: { id: 3527065 }, from: { id: 3527065 }, date: 1454119029, edit_date: 1454119100, text: 'Hello there' } }, AT);
    expect(edit).toEqual([{ kind: 'edit', edit: { provider: 'telegram', providerMessageId: '3527065:41', text: 'Hello there', at: '2016-01-30T01:58:20.000Z' } }]);
    const cb = normalizeTelegram({ update_id: 3, callback_query: { id: 'cbq1', from: { id: 7, first_name: 'Ann' }, data: 'refund', message: { message_id: 50, chat: { id: 7 } } } }, AT);
    expect(cb).toMatchObject([{ kind: 'message', message: { providerMessageId: 'callback:cbq1', dedupeId: 'update:3', text: 'refund', threadKey: '7', inReplyTo: '7:50', identity: { kind: 'telegram', value: '7' } } }]);
  });

  it('keeps photos (largest size) and documents as attachments with their file ids', () => {
    const [e] = normalizeTelegram(
      {
        update_id: 4,
        message: { message_id: 9, chat: { id: 1 }, from: { id: 1 }, date: 1, caption: 'receipt', photo: [{ file_id: 'small' }, { file_id: 'large', file_size: 2048 }] },
      },
      AT,
    );
    expect(e).toMatchObject({ message: { text: 'receipt', attachments: [{ providerMediaId: 'large', name: 'photo', size: 2048 }] } });
  });

  it('answers 400 for a body that is not an Update, and skips kinds it does not handle', () => {
    expect(thrown(() => normalizeTelegram({ message: {} }, AT))).toMatchObject({ status: 400, code: 'invalid_payload' });
    expect(normalizeTelegram({ update_id: 5, poll: {} }, AT)).toEqual([{ kind: 'skipped', reason: 'unsupported_update' }]);
  });
});

describe('X', () => {
  const vectors = fixtureJson('x/vectors.json');
  const config = testConfig({ X_CONSUMER_SECRET: 'test' });

  it('signs the published vectors', () => {
    for (const c of vectors.published.cases) expect(xSignature('test', c.body)).toBe(c['x-twitter-webhooks-signature']);
    expect(xSignature('test', fixtureBytes('x/x-1.json'))).toBe(vectors.derived['x_x-1'].value);
  });

  it('answers the CRC challenge', () => {
    const r = x.receive(request('GET', '/webhooks/x', '', {}, 'crc_token=test'), { config, now });
    expect(r.kind === 'response' && JSON.parse(r.response.body)).toEqual(vectors.derived.x_crc.response);
    expect(thrown(() => x.receive(request('GET', '/webhooks/x', ''), { config, now }))).toMatchObject({ status: 400 });
  });

  it('normalizes the fixture DM, decoding the entities X adds', () => {
    const r = x.receive(
      request('POST', '/webhooks/x', fixtureBytes('x/x-1.json'), { 'content-type': 'application/json', 'x-twitter-webhooks-signature': vectors.derived['x_x-1'].value }),
      { config, now },
    );
    expect(r.kind === 'events' && r.events).toEqual([
      {
        kind: 'message',
        message: {
          provider: 'x',
          channel: 'x',
          providerMessageId: '958501034212564996',
          threadKey: '835740314006511618|272953809',
          from: '272953809',
          to: '835740314006511618',
          identity: { kind: 'x', value: '272953809' },
          displayName: 'Nicolas Pottier',
          text: 'Hello World & good wishes.',
          attachments: [],
          receivedAt: AT,
          sentAt: '2018-01-31T00:43:49.301Z',
        },
      },
    ]);
  });

  it('ignores DMs our own account sent', () => {
    const body = fixtureJson('x/x-1.json');
    body.for_user_id = '272953809';
    expect(normalizeX(body, AT)).toEqual([{ kind: 'skipped', reason: 'own_message', detail: '958501034212564996' }]);
  });

  it('refuses forged and unsigned posts', () => {
    const forged = request('POST', '/webhooks/x', fixtureBytes('x/x-1.json'), { 'content-type': 'application/json', 'x-twitter-webhooks-signature': vectors.published.cases[0]['x-twitter-webhooks-signature'] });
    expect(thrown(() => x.receive(forged, { config, now }))).toMatchObject({ status: 403, code: 'bad_signature' });
    expect(thrown(() => x.receive(request('POST', '/webhooks/x', '{}', { 'content-type': 'application/json' }), { config, now }))).toMatchObject({ status: 403, code: 'missing_signature' });
  });
});
