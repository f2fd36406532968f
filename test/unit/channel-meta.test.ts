import { describe, expect, it } from 'vitest';
import { meta } from '../../functions/channels/meta/index.ts';
import { normalizeMeta, waIdentity } from '../../functions/channels/meta/normalize.ts';
import { metaSignature, verifyMetaSignature } from '../../functions/channels/meta/verify.ts';
import { fixtureBytes, fixtureJson, request, testConfig, thrown } from '../helpers/fixtures.ts';

const vectors = fixtureJson('meta/vectors.json');
const AT = '2026-02-01T00:00:00.000Z';
const now = new Date(AT);
const config = testConfig({ META_APP_SECRET: 'TEST_APP_SECRET', META_VERIFY_TOKEN: 'meatyhamhock' });
const post = (file: string, sig?: string) =>
  request('POST', '/webhooks/meta', fixtureBytes(file), { 'content-type': 'application/json', ...(sig !== undefined ? { 'x-hub-signature-256': sig } : {}) });

describe('Meta signature', () => {
  it('matches the published vector', () => {
    expect(metaSignature(vectors.published.app_secret, vectors.published.body)).toBe(vectors.published.x_hub_signature_256);
    expect(verifyMetaSignature('TEST_APP_SECRET', vectors.published.x_hub_signature_256, Buffer.from('test'))).toEqual({ ok: true });
  });
  it.each([['whatsapp-1', 'meta_whatsapp-1'], ['messenger-1', 'meta_messenger-1']])('matches the derived vector over %s (raw bytes)', (f, k) => {
    expect(verifyMetaSignature('TEST_APP_SECRET', vectors.derived[k].value, fixtureBytes(`meta/${f}.json`))).toEqual({ ok: true });
  });
  it('rejects a re-serialized body, another secret, a missing header', () => {
    const body = fixtureBytes('meta/whatsapp-1.json');
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    const sig = vectors.derived['meta_whatsapp-1'].value;
    expect(verifyMetaSignature('TEST_APP_SECRET', sig, reserialized)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMetaSignature('OTHER', sig, body).ok).toBe(false);
    expect(verifyMetaSignature('TEST_APP_SECRET', undefined, body)).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('Meta handshake', () => {
  const get = (q: string) => request('GET', '/webhooks/meta', '', {}, q);
  it('echoes hub.challenge as plain text with the right token', () => {
    const r = meta.receive(get('hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock'), { config, now });
    expect(r).toEqual({ kind: 'response', response: { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '1158201444' } });
  });
  it('refuses a wrong token with 403 and a malformed handshake with 400', () => {
    expect(thrown(() => meta.receive(get('hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope'), { config, now }))).toMatchObject({ status: 403, code: 'bad_verify_token' });
    expect(thrown(() => meta.receive(get('hub.challenge=1&hub.verify_token=meatyhamhock'), { config, now }))).toMatchObject({ status: 400 });
  });
});

describe('Meta normalization', () => {
  it('WhatsApp text (whatsapp-1.json)', () => {
    const r = meta.receive(post('meta/whatsapp-1.json', vectors.derived['meta_whatsapp-1'].value), { config, now });
    expect(r.kind === 'events' && r.events).toEqual([
      {
        kind: 'message',
        message: {
          provider: 'meta',
          channel: 'whatsapp',
          providerMessageId: 'external_id',
          threadKey: '1234567890|5678',
          from: '5678',
          to: '1234567890',
          identity: { kind: 'wa', value: '5678' },
          displayName: 'Kerry Fisher',
          text: 'Hello World',
          attachments: [],
          receivedAt: AT,
          sentAt: '2016-01-30T01:57:09.000Z',
        },
      },
    ]);
  });

  it('WhatsApp button reply keeps the context id (whatsapp-2.json)', () => {
    const [e] = normalizeMeta('whatsapp_business_account', fixtureJson('meta/whatsapp-2.json').entry, AT);
    expect(e).toMatchObject({ kind: 'message', message: { text: 'No', inReplyTo: 'gBGGFmkiWVVPAgkgQkwi7IORac0' } });
  });

  it('Messenger and Instagram (messenger-1, instagram-1)', () => {
    const [m] = normalizeMeta('page', fixtureJson('meta/messenger-1.json').entry, AT);
    expect(m).toMatchObject({
      kind: 'message',
      message: { channel: 'messenger', providerMessageId: 'external_id', threadKey: '1234567890|5678', identity: { kind: 'psid', value: '5678' }, text: 'Hello World', sentAt: '2016-04-07T01:11:27.970Z' },
    });
    const [ig] = normalizeMeta('instagram', fixtureJson('meta/instagram-1.json').entry, AT);
    expect(ig).toMatchObject({ kind: 'message', message: { channel: 'instagram', identity: { kind: 'igsid', value: '5678' }, text: 'Hello World' } });
  });

  it('a batch yields every item; the same mid twice stays two items for the idempotent ingest (messenger-2)', () => {
    const events = normalizeMeta('page', fixtureJson('meta/messenger-2.json').entry, AT);
    expect(events.map((e) => e.kind === 'message' && e.message.providerMessageId)).toEqual(['external_id', 'external_id']);
  });

  it('one bad item does not drop the others', () => {
    const entry = [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              metadata: { phone_number_id: 'PN1' },
              messages: [
                { from: '447700900123', id: 'wamid.A', type: 'text', text: { body: 'one' } },
                { from: '447700900123', type: 'text' }, // no id
                { from: '447700900123', id: 'wamid.C', type: 'image', image: { id: 'MEDIA1', mime_type: 'image/jpeg', caption: 'look' } },
                { from: '447700900123', id: 'wamid.D', type: 'location', location: { latitude: 1.5, longitude: 2.5, name: 'Shop' } },
              ],
              statuses: [
                { id: 'wamid.OUT', status: 'delivered', timestamp: '1700000000' },
                { id: 'wamid.OUT2', status: 'failed', timestamp: '1700000001', errors: [{ code: 131047, title: 'Re-engagement message' }] },
              ],
            },
          },
          { field: 'account_update', value: {} },
        ],
      },
      'not an entry',
    ];
    const events = normalizeMeta('whatsapp_business_account', entry, AT);
    expect(events.map((e) => e.kind)).toEqual(['message', 'skipped', 'message', 'message', 'status', 'status', 'skipped', 'skipped']);
    expect(events[0]).toMatchObject({ message: { identity: { kind: 'phone', value: '+447700900123' }, text: 'one' } });
    expect(events[1]).toMatchObject({ reason: 'invalid_item', detail: expect.stringContaining('messages[1]') });
    expect(events[2]).toMatchObject({ message: { text: 'look', attachments: [{ providerMediaId: 'MEDIA1', contentType: 'image/jpeg', name: 'image' }] } });
    expect(events[3]).toMatchObject({ message: { text: 'Location: Shop (1.5, 2.5)' } });
    expect(events[4]).toEqual({ kind: 'status', update: { provider: 'meta', providerMessageId: 'wamid.OUT', status: 'delivered', at: '2023-11-14T22:13:20.000Z' } });
    expect(events[5]).toMatchObject({ update: { status: 'failed', error: '131047 Re-engagement message' } });
  });

  it('skips echoes, turns unsends and edits into edits, deliveries into statuses, postbacks into messages', () => {
    const item = (extra: object) => ({ sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1700000000000, ...extra });
    const events = normalizeMeta(
      'page',
      [
        {
          id: 'PAGE1',
          messaging: [
            item({ message: { mid: 'm.echo', text: 'our reply', is_echo: true } }),
            item({ message: { mid: 'm.1', is_deleted: true } }),
            item({ message_edit: { mid: 'm.2', text: 'fixed typo', num_edit: 1 } }),
            item({ delivery: { mids: ['m.out1', 'm.out2'], watermark: 1 } }),
            item({ postback: { title: 'Talk to a human', payload: 'HUMAN', mid: 'm.pb' } }),
            item({ message: { mid: 'm.img', attachments: [{ type: 'image', payload: { url: 'https://cdn.example/x.jpg' } }] } }),
            item({ read: { watermark: 1 } }),
          ],
        },
      ],
      AT,
    );
    expect(events).toEqual([
      { kind: 'skipped', reason: 'echo', detail: 'm.echo' },
      { kind: 'edit', edit: { provider: 'meta', providerMessageId: 'm.1', deleted: true, at: '2023-11-14T22:13:20.000Z' } },
      { kind: 'edit', edit: { provider: 'meta', providerMessageId: 'm.2', text: 'fixed typo', at: '2023-11-14T22:13:20.000Z' } },
      { kind: 'status', update: { provider: 'meta', providerMessageId: 'm.out1', status: 'delivered', at: '2023-11-14T22:13:20.000Z' } },
      { kind: 'status', update: { provider: 'meta', providerMessageId: 'm.out2', status: 'delivered', at: '2023-11-14T22:13:20.000Z' } },
      expect.objectContaining({ kind: 'message', message: expect.objectContaining({ providerMessageId: 'm.pb', text: 'Talk to a human' }) }),
      expect.objectContaining({ kind: 'message', message: expect.objectContaining({ attachments: [{ url: 'https://cdn.example/x.jpg', name: 'image' }] }) }),
      { kind: 'skipped', reason: 'read_watermark' },
    ]);
  });

  it('maps a WhatsApp id to the E.164 phone when it is one', () => {
    expect(waIdentity('14155550100')).toEqual({ kind: 'phone', value: '+14155550100' });
    expect(waIdentity('5678')).toEqual({ kind: 'wa', value: '5678' });
  });

  it('rejects forged, unsigned, non-JSON and envelope-less posts', () => {
    expect(thrown(() => meta.receive(post('meta/whatsapp-1.json', 'sha256=00'), { config, now }))).toMatchObject({ status: 403, code: 'bad_signature' });
    expect(thrown(() => meta.receive(post('meta/whatsapp-1.json'), { config, now }))).toMatchObject({ status: 403, code: 'missing_signature' });
    const body = Buffer.from('{"hello":1}');
    const sig = metaSignature('TEST_APP_SECRET', body);
    const r = request('POST', '/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': sig });
    expect(thrown(() => meta.receive(r, { config, now }))).toMatchObject({ status: 400, code: 'invalid_payload' });
    const notJson = request('POST', '/webhooks/meta', 'nope', { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature('TEST_APP_SECRET', 'nope') });
    expect(thrown(() => meta.receive(notJson, { config, now }))).toMatchObject({ status: 400, code: 'invalid_json' });
  });
});
