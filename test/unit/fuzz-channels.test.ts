/**
 * Property-based fuzzing of the social/SMS channels' parsers and normalizers (Twilio, Meta,
 * Telegram, X, Vonage, MessageBird). Every request is correctly signed, so fuzzing reaches past
 * verification. Property (test/helpers/fuzz.ts): receive() returns well-formed events that each fit
 * one DynamoDB item, or throws a 4xx ClientError; any other throw is a would-be 500. Bound on work:
 * JSON.parse input, event count and output bytes are linear in the input size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageBirdForm, metaMessagePayload, metaStatusPayload, telegramPayload, twilioForm, vonagePayload, xPayload } from '../../bin/simulate.ts';
import { messagebird } from '../../functions/channels/messagebird/index.ts';
import { meta } from '../../functions/channels/meta/index.ts';
import { telegram } from '../../functions/channels/telegram/index.ts';
import type { ChannelModule } from '../../functions/channels/types.ts';
import { twilio } from '../../functions/channels/twilio/index.ts';
import { vonage } from '../../functions/channels/vonage/index.ts';
import { x } from '../../functions/channels/x/index.ts';
import { LOCAL_DEFAULTS } from '../../functions/config.ts';
import { MAX_WEBHOOK_BYTES } from '../../functions/spec.ts';
import { fakeIo, fixtureJson, fixtureText } from '../helpers/fixtures.ts';
import {
  announceSeed,
  applyFormMutations,
  applyMutations,
  checkReceive,
  encodeForm,
  fcParams,
  formGarbage,
  formMutation,
  formValue,
  fuzzConfig,
  httpRequest,
  keyedJson,
  keysOf,
  mutation,
  nastyString,
  NOW,
  property,
  serialize,
  sign,
  weirdValue,
  type FormPairs,
} from '../helpers/fuzz.ts';

announceSeed('fuzz-channels');

const RUNS = 150;
const TIMEOUT = 60_000;

const pairsOf = (body: string): FormPairs => [...new URLSearchParams(body)];

// ---------------------------------------------------------------- corpora (real fixtures + simulator)

const twilioCorpus: FormPairs[] = [
  pairsOf(fixtureText('twilio/twilio-1.txt')),
  [...twilioForm({ from: '+15551230000', to: '+15550001111', body: 'hi', sid: 'SM0123456789abcdef0123456789abcdef', whatsapp: true, media: ['https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', 'https://x.example/a'], profileName: 'Ada' })],
];
const twilioKeys = [...new Set([...twilioCorpus.flat().map(([k]) => k), 'ProfileName', 'WaId', 'Latitude', 'Longitude', 'ButtonText', 'MediaUrl0', 'MediaUrl1', 'MediaUrl19', 'MediaContentType0', 'MediaContentType1', 'NumMedia'])];

const metaCorpus: unknown[] = [
  ...['whatsapp-1', 'whatsapp-2', 'messenger-1', 'messenger-2', 'instagram-1'].map((f) => fixtureJson(`meta/${f}.json`)),
  metaMessagePayload({ channel: 'whatsapp', from: '15551230000', to: '15550001111', body: 'hi', id: 'wamid.1', name: 'Ada' }),
  metaMessagePayload({ channel: 'messenger', from: 'PSID1', to: 'PAGE1', body: 'hi', id: 'm_1' }),
  metaStatusPayload({ id: 'wamid.1', status: 'read', to: '15550001111' }),
  {
    object: 'page',
    entry: [
      {
        id: 'PAGE1',
        time: 1,
        messaging: [
          { sender: { id: 'P' }, recipient: { id: 'PAGE1' }, timestamp: 1700000000000, message_edit: { mid: 'm_1', text: 'edited', num_edit: 1 } },
          { sender: { id: 'P' }, recipient: { id: 'PAGE1' }, timestamp: 1700000000000, postback: { title: 'Yes', payload: 'YES', mid: 'm_2' } },
          { sender: { id: 'P' }, recipient: { id: 'PAGE1' }, timestamp: 1700000000000, reaction: { mid: 'm_1', action: 'react', emoji: '👍', reaction: 'like' } },
          { sender: { id: 'P' }, recipient: { id: 'PAGE1' }, timestamp: 1700000000000, delivery: { mids: ['m_1'], watermark: 1 } },
          { sender: { id: 'P' }, recipient: { id: 'PAGE1' }, message: { mid: 'm_3', attachments: [{ type: 'location', payload: { coordinates: { lat: 1, long: 2 } } }, { type: 'image', payload: { url: 'https://x/y' } }], reply_to: { mid: 'm_1' } } },
        ],
      },
    ],
  },
  {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'W',
        changes: [
          {
            field: 'messages',
            value: {
              metadata: { phone_number_id: '1', display_phone_number: '1' },
              contacts: [{ wa_id: '15551230000', profile: { name: 'Ada' } }],
              messages: [
                { from: '15551230000', id: 'wamid.2', timestamp: '1700000000', type: 'image', image: { id: 'I', mime_type: 'image/jpeg', caption: 'c' } },
                { from: '15551230000', id: 'wamid.3', type: 'location', location: { latitude: 1, longitude: 2, name: 'n' } },
                { from: '15551230000', id: 'wamid.4', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b', title: 'OK' } } },
                { from: '15551230000', id: 'wamid.5', type: 'reaction', reaction: { message_id: 'wamid.1', emoji: '👍' } },
                { from: '15551230000', id: 'wamid.6', type: 'contacts', contacts: [{ name: { formatted_name: 'Bob' } }], context: { id: 'wamid.1' } },
              ],
              statuses: [{ id: 'wamid.1', status: 'failed', timestamp: 1700000000, errors: [{ code: 131000, title: 'x' }] }],
            },
          },
        ],
      },
    ],
  },
];

const telegramCorpus: unknown[] = [
  fixtureJson('telegram/telegram-1.json'),
  telegramPayload({ from: '42', body: 'fixed', messageId: 7, updateId: 8, edit: true }),
  {
    update_id: 9,
    message: {
      message_id: 1,
      message_thread_id: 3,
      is_topic_message: true,
      from: { id: 42, first_name: 'A' },
      chat: { id: -100, type: 'supergroup' },
      date: 1700000000,
      caption: 'c',
      photo: [{ file_id: 'p1', file_size: 1 }, { file_id: 'p2', file_size: 2 }],
      document: { file_id: 'd', mime_type: 'application/pdf', file_name: 'x.pdf' },
      sticker: { file_id: 's', emoji: '😀' },
      location: { latitude: 1, longitude: 2 },
      contact: { phone_number: '+1', first_name: 'B' },
      reply_to_message: { message_id: 0 },
    },
  },
  { update_id: 10, callback_query: { id: 'cq', from: { id: 42, first_name: 'A' }, data: 'yes', message: { message_id: 5, chat: { id: 42 }, message_thread_id: 2 } } },
];

const xCorpus: unknown[] = [
  fixtureJson('x/x-1.json'),
  xPayload({ from: '2244994945', to: '1111111111', body: 'DM &lt;b&gt;', id: '1', name: 'C' }),
  {
    for_user_id: '1',
    direct_message_events: [
      { type: 'message_create', id: '2', created_timestamp: '1700000000000', message_create: { target: { recipient_id: '1' }, sender_id: '3', message_data: { text: 't', attachment: { type: 'media', media: { id_str: '9', media_url_https: 'https://x/y.jpg', type: 'photo' } } } } },
    ],
    direct_message_indicate_typing_events: [{}],
  },
];

const vonageCorpus: unknown[] = [
  fixtureJson('vonage/vonage-1.json'),
  vonagePayload({ channel: 'whatsapp', from: '447700900001', to: '447700900000', body: 'hi', id: 'u1', name: 'Ada' }),
  { message_uuid: 'u2', to: '1', from: 'PSID', timestamp: '2026-01-01T00:00:00Z', channel: 'messenger', message_type: 'image', image: { url: 'https://x/y', caption: 'c' }, context: { message_uuid: 'u1' } },
  { message_uuid: 'u3', to: '1', from: '2', channel: 'whatsapp', message_type: 'location', location: { lat: 1, long: 2, name: 'n', address: 'a' }, reply: { id: 'r', title: 't' }, button: { text: 'b' } },
  { message_uuid: 'u1', status: 'delivered', timestamp: '2026-01-01T00:00:00Z', error: { title: 't', detail: 'd' } },
];

const messagebirdCorpus: FormPairs[] = [
  pairsOf(fixtureText('messagebird/messagebird-1.txt')),
  [...messageBirdForm({ from: '31612345678', to: '3197010260000', body: 'hi', id: 'abc' })],
  [
    ['id', 'm1'],
    ['originator', 'ACME'],
    ['receiver', '31'],
    ['message', 'x'],
    ['mediaUrls', 'https://a/1, https://a/2,,'],
  ],
];

// ---------------------------------------------------------------- one table, one set of properties

interface JsonTarget {
  readonly module: ChannelModule;
  readonly corpus: readonly unknown[];
  readonly sign: (body: string) => ReturnType<typeof sign.meta>;
  /** A random document shaped like the provider's envelope (with random values inside). */
  readonly envelope?: (node: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>;
  readonly extraKeys?: readonly string[];
}

const jsonTargets: readonly JsonTarget[] = [
  {
    module: meta,
    corpus: metaCorpus,
    sign: sign.meta,
    extraKeys: ['is_echo', 'is_deleted', 'message_edit', 'postback', 'reaction', 'delivery', 'read', 'statuses', 'errors', 'context', 'interactive', 'list_reply', 'button_reply', 'mids', 'payload', 'coordinates', 'story'],
    envelope: (node) =>
      fc.record({
        object: fc.oneof(fc.constantFrom('whatsapp_business_account', 'page', 'instagram'), weirdValue),
        entry: fc.array(
          fc.oneof(
            node,
            fc.record({ id: fc.oneof(nastyString(), weirdValue), changes: fc.array(fc.record({ field: fc.oneof(fc.constant('messages'), weirdValue), value: node }), { maxLength: 3 }) }),
            fc.record({ id: fc.oneof(nastyString(), weirdValue), messaging: fc.array(node, { maxLength: 4 }) }),
          ),
          { maxLength: 4 },
        ),
      }),
  },
  {
    module: telegram,
    corpus: telegramCorpus,
    sign: sign.telegram,
    extraKeys: ['callback_query', 'edited_message', 'edit_date', 'is_bot', 'photo', 'voice', 'audio', 'video', 'sticker', 'emoji', 'file_id', 'is_topic_message', 'message_thread_id'],
    envelope: (node) => fc.record({ update_id: fc.oneof(fc.nat(), weirdValue), message: node }, { requiredKeys: ['update_id'] }),
  },
  {
    module: x,
    corpus: xCorpus,
    sign: sign.x,
    extraKeys: ['apps', 'attachment', 'media', 'media_url_https', 'id_str'],
    envelope: (node) => fc.record({ for_user_id: fc.oneof(nastyString(), weirdValue), direct_message_events: fc.array(node, { maxLength: 4 }), users: fc.dictionary(nastyString(), node, { maxKeys: 3 }) }, { requiredKeys: [] }),
  },
  {
    module: vonage,
    corpus: vonageCorpus,
    sign: sign.vonage,
    extraKeys: ['image', 'audio', 'video', 'file', 'vcard', 'sticker', 'location', 'reply', 'button', 'profile', 'context', 'status', 'error', 'url', 'caption', 'lat', 'long'],
    envelope: (node) =>
      fc.record({
        message_uuid: fc.oneof(nastyString(), weirdValue),
        to: fc.oneof(nastyString(), weirdValue),
        from: fc.oneof(nastyString(), weirdValue),
        channel: fc.oneof(fc.constantFrom('sms', 'mms', 'whatsapp', 'messenger', 'viber_service'), weirdValue),
        message_type: fc.oneof(nastyString(), weirdValue),
        text: fc.oneof(nastyString(), weirdValue),
        status: fc.oneof(nastyString(), weirdValue),
        image: node,
        profile: node,
        context: node,
        timestamp: fc.oneof(nastyString(), weirdValue),
      }, { requiredKeys: [] }),
  },
];

interface FormTarget {
  readonly module: ChannelModule;
  readonly corpus: readonly FormPairs[];
  readonly sign: (body: string) => ReturnType<typeof sign.meta>;
  readonly keys: readonly string[];
}

const formTargets: readonly FormTarget[] = [
  { module: twilio, corpus: twilioCorpus, sign: sign.twilio, keys: twilioKeys },
  {
    module: messagebird,
    corpus: messagebirdCorpus,
    sign: sign.messagebird,
    keys: [...new Set([...messagebirdCorpus.flat().map(([k]) => k), 'receiver', 'message', 'mediaUrls', 'CreatedDatetime', 'createdDatetime'])],
  },
];

describe.each(jsonTargets.map((t) => [t.module.provider, t] as const))('%s: JSON bodies', (_name, t) => {
  const keys = [...new Set([...keysOf(t.corpus), ...(t.extraKeys ?? [])])];
  const node = keyedJson(keys);

  it('real fixtures pass as they are (sanity: the signer reaches the normalizer)', async () => {
    for (const doc of t.corpus) {
      const w = await checkReceive(t.module, t.sign(serialize(doc)));
      expect(w!.events, `${t.module.provider} fixture ${serialize(doc).slice(0, 80)}`).toBeGreaterThan(0);
    }
  });

  it(
    'random JSON with the real keys: well-formed events or a 4xx, with linear work',
    async () => {
      const arb = t.envelope ? fc.oneof({ weight: 3, arbitrary: t.envelope(node) }, { weight: 1, arbitrary: node }) : node;
      await fc.assert(
        fc.asyncProperty(arb, async (doc) => {
          await property(t.module, t.sign(serialize(doc)));
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'mutated real fixtures (replace, delete, retype, wrap, duplicate, insert at random paths)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...t.corpus), fc.array(mutation(keys), { minLength: 1, maxLength: 6 }), async (doc, muts) => {
          await property(t.module, t.sign(serialize(applyMutations(doc, muts))));
        }),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );

  it(
    'random bytes and broken JSON',
    async () => {
      const broken = fc.oneof(
        fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('latin1')),
        fc.constantFrom(...t.corpus).chain((doc) => {
          const s = serialize(doc);
          return fc.tuple(fc.nat(s.length), fc.nat(s.length), nastyString(8)).map(([a, b, ins]) => s.slice(0, Math.min(a, b)) + ins + s.slice(Math.max(a, b)));
        }),
      );
      await fc.assert(
        fc.asyncProperty(broken, async (body) => {
          await property(t.module, t.sign(body));
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );
});

describe.each(formTargets.map((t) => [t.module.provider, t] as const))('%s: form bodies', (_name, t) => {
  it('real fixtures pass as they are (sanity)', async () => {
    for (const pairs of t.corpus) {
      const w = await checkReceive(t.module, t.sign(encodeForm(pairs)));
      expect(w!.events).toBe(1);
    }
  });

  it(
    'random forms with the real keys: well-formed events or a 4xx, with linear work',
    async () => {
      const pairs = fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...t.keys) }, { weight: 1, arbitrary: nastyString(12) }), formValue), { maxLength: 24 });
      await fc.assert(
        fc.asyncProperty(pairs, formGarbage, async (p, garbage) => {
          await property(t.module, t.sign(encodeForm(p, garbage)));
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'mutated real fixtures',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...t.corpus), fc.array(formMutation(t.keys), { minLength: 1, maxLength: 6 }), formGarbage, async (pairs, muts, garbage) => {
          await property(t.module, t.sign(encodeForm(applyFormMutations(pairs, muts), garbage)));
        }),
        fcParams(RUNS * 2),
      );
    },
    TIMEOUT,
  );

  it(
    'random bytes',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
          const body = Buffer.from(bytes).toString('latin1');
          await property(t.module, t.sign(body));
        }),
        fcParams(RUNS),
      );
    },
    TIMEOUT,
  );
});

describe('handshakes (GET query strings)', () => {
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom('hub.mode', 'hub.challenge', 'hub.verify_token', 'crc_token'), nastyString(10)), fc.oneof(nastyString(), fc.constantFrom('subscribe', LOCAL_DEFAULTS.META_VERIFY_TOKEN))), { maxLength: 5 });
  it.each([meta, x].map((m) => [m.provider, m] as const))('%s: any query answers 2xx or a 4xx', async (_n, module) => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const raw = new URLSearchParams(q).toString();
        await property(module, httpRequest('GET', `/webhooks/${module.provider}`, '', {}, raw));
      }),
      fcParams(RUNS),
    );
  });
});

/**
 * Inputs at the body limit, built to maximise work: many tiny items, deep nesting, one huge string.
 * One run each (the properties above already vary the shapes); the bound on work is what is checked.
 */
describe('at the body limit', () => {
  const limit = MAX_WEBHOOK_BYTES - 1024;
  const fill = (prefix: string, item: string, suffix: string) => prefix + Array(Math.floor((limit - prefix.length - suffix.length) / (item.length + 1))).fill(item).join(',') + suffix;
  const cases: Array<[string, ChannelModule, (b: string) => ReturnType<typeof sign.meta>, string]> = [
    ['meta: 2M tiny WhatsApp changes', meta, sign.meta, fill('{"object":"whatsapp_business_account","entry":[{"changes":[', '0', ']}]}')],
    ['meta: 1000 entries of tiny changes', meta, sign.meta, `{"object":"whatsapp_business_account","entry":[${Array(1000).fill(`{"changes":[${Array(Math.floor(limit / 1000 / 2) - 10).fill('0').join(',')}]}`).join(',')}]}`],
    ['meta: tiny WhatsApp messages', meta, sign.meta, fill('{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[', '{"from":"1","id":"i","type":"t"}', ']}}]}]}')],
    ['meta: tiny Messenger items', meta, sign.meta, fill('{"object":"page","entry":[{"id":"1","messaging":[', '0', ']}]}')],
    ['meta: Messenger attachments', meta, sign.meta, fill('{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"a"},"recipient":{"id":"b"},"message":{"mid":"m","attachments":[', '{"type":"x","payload":{"url":"u"}}', ']}}]}]}')],
    ['meta: delivery mids', meta, sign.meta, fill('{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"a"},"recipient":{"id":"b"},"delivery":{"mids":[', '"m"', ']}}]}]}')],
    ['meta: deep nesting', meta, sign.meta, `{"object":"page","entry":[${'['.repeat(limit / 2 - 64)}${']'.repeat(limit / 2 - 64)}]}`],
    ['telegram: deep nesting', telegram, sign.telegram, `{"update_id":1,"message":${'['.repeat(limit / 2 - 64)}${']'.repeat(limit / 2 - 64)}}`],
    ['telegram: photo sizes', telegram, sign.telegram, fill('{"update_id":1,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1},"date":1,"photo":[', '{"file_id":"f"}', ']}}')],
    // Over X's batch cap: refused whole (413) after one linear read.
    ['x: tiny DM events', x, sign.x, `{"direct_message_events":[${Array(Math.floor(limit / 8)).fill('0').join(',')}]}`],
    ['x: unknown top-level keys', x, sign.x, `{${Array.from({ length: Math.floor(limit / 40) }, (_, i) => `"${i.toString(36)}":0`).join(',')}}`],
    ['vonage: huge text', vonage, sign.vonage, JSON.stringify({ message_uuid: 'u', to: '1', from: '2', channel: 'sms', message_type: 'text', text: 'a'.repeat(limit - 200) })],
    ['vonage: deep nesting', vonage, sign.vonage, `{"message_uuid":"u","to":"1","from":"2","channel":"sms","message_type":"text","x":${'['.repeat(limit / 2 - 128)}${']'.repeat(limit / 2 - 128)}}`],
  ];
  it.each(cases)('%s', async (_name, module, signer, body) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES);
    await property(module, signer(body));
  }, TIMEOUT);

  const formCases: Array<[string, ChannelModule, (b: string) => ReturnType<typeof sign.meta>, string]> = [
    ['twilio: huge body', twilio, sign.twilio, encodeForm([...twilioCorpus[0]!.filter(([k]) => k !== 'Body'), ['Body', 'x'.repeat(limit - 1000)]])],
    ['twilio: many keys', twilio, sign.twilio, encodeForm(twilioCorpus[0]!) + '&' + Array(Math.floor((limit - 1000) / 4)).fill('a=b').join('&')],
    ['messagebird: huge body', messagebird, sign.messagebird, encodeForm([...messagebirdCorpus[1]!.filter(([k]) => k !== 'body'), ['body', 'x'.repeat(limit - 1000)]])],
    ['messagebird: many media urls', messagebird, sign.messagebird, encodeForm([...messagebirdCorpus[1]!, ['mediaUrls', Array(Math.floor((limit - 1000) / 5)).fill('u').join(',')]])],
  ];
  it.each(formCases)('%s', async (_name, module, signer, body) => {
    await property(module, signer(body));
  }, TIMEOUT);
});

/** The defects fuzzing found in the channels this suite owns, pinned with their minimal inputs. */
describe('regressions found by fuzzing', () => {
  const events = async (module: ChannelModule, req: ReturnType<typeof sign.meta>) => {
    const r = await module.receive(req, { config: fuzzConfig, now: NOW, io: fakeIo() });
    if (r.kind !== 'events') throw new Error('expected events');
    return r.events;
  };
  const rejected = async (module: ChannelModule, req: ReturnType<typeof sign.meta>) => {
    try {
      await module.receive(req, { config: fuzzConfig, now: NOW, io: fakeIo() });
    } catch (e) {
      return e;
    }
    throw new Error('expected a ClientError');
  };

  it.each(['__proto__', 'constructor', 'toString'])('vonage: status %j is unsupported, not a function or an object', async (status) => {
    expect(await events(vonage, sign.vonage(JSON.stringify({ message_uuid: 'u', status })))).toEqual([{ kind: 'skipped', reason: 'unsupported_status', detail: status }]);
  });
  it.each(['__proto__', 'constructor', 'hasOwnProperty'])('meta: WhatsApp status %j is unsupported', async (status) => {
    const [e] = await events(meta, sign.meta(JSON.stringify(metaStatusPayload({ id: 'wamid.1', status, to: '1' }))));
    expect(e).toEqual({ kind: 'skipped', reason: 'unsupported_status', detail: status });
  });
  it('blank senders are refused (they would all join one contact)', async () => {
    const mb = await rejected(messagebird, sign.messagebird(new URLSearchParams({ id: 'm1', originator: '\t', recipient: '31', body: 'x' }).toString()));
    expect(mb).toMatchObject({ status: 400, code: 'invalid_payload' });
    const vo = await rejected(vonage, sign.vonage(JSON.stringify({ message_uuid: 'u', to: '1', from: ' ', channel: 'sms', message_type: 'text', text: 'x' })));
    expect(vo).toMatchObject({ status: 400 });
    const wa = await events(meta, sign.meta(JSON.stringify(metaMessagePayload({ channel: 'whatsapp', from: ' ', to: '1', body: 'x', id: 'wamid.1' }))));
    expect(wa).toMatchObject([{ kind: 'skipped', reason: 'invalid_item' }]);
    const fb = await events(meta, sign.meta(JSON.stringify(metaMessagePayload({ channel: 'messenger', from: ' ', to: 'P', body: 'x', id: 'm_1' }))));
    expect(fb).toMatchObject([{ kind: 'skipped', reason: 'invalid_item' }]);
  });
  it('meta: a batch of more than 1000 items is a 413, and 1000 messages still land', async () => {
    const batch = (n: number) => ({
      object: 'whatsapp_business_account',
      entry: [{ changes: [{ field: 'messages', value: { metadata: { phone_number_id: '1' }, messages: Array.from({ length: n }, (_, i) => ({ from: '15551230000', id: `wamid.${i}`, type: 'text', text: { body: 'x' } })) } }] }],
    });
    expect((await events(meta, sign.meta(JSON.stringify(batch(1000))))).filter((e) => e.kind === 'message')).toHaveLength(1000);
    expect(await rejected(meta, sign.meta(JSON.stringify(batch(1001))))).toMatchObject({ status: 413, code: 'too_many_items' });
    const tiny = `{"object":"page","entry":[{"id":"1","messaging":[${Array(1001).fill('0').join(',')}]}]}`;
    expect(await rejected(meta, sign.meta(tiny))).toMatchObject({ status: 413 });
  });
  it('meta: a Messenger message with more than 50 attachments is an invalid item, not a 2 MB event', async () => {
    const attachments = Array.from({ length: 51 }, () => ({ type: 'image', payload: { url: 'https://x/y' } }));
    const body = { object: 'page', entry: [{ id: 'P', messaging: [{ sender: { id: 'a' }, recipient: { id: 'P' }, message: { mid: 'm_1', attachments } }] }] };
    expect(await events(meta, sign.meta(JSON.stringify(body)))).toMatchObject([{ kind: 'skipped', reason: 'invalid_item' }]);
  });
  it('meta: display strings are clipped and over-long reference ids dropped, the message kept', async () => {
    const body = metaMessagePayload({ channel: 'whatsapp', from: '15551230000', to: '1', body: 'x', id: 'wamid.1', name: 'N'.repeat(500_000) }) as any;
    body.entry[0].changes[0].value.messages[0].context = { id: 'c'.repeat(100_000) };
    const [e] = await events(meta, sign.meta(JSON.stringify(body)));
    expect(e).toMatchObject({ kind: 'message', message: { displayName: 'N'.repeat(256) } });
    expect(e!.kind === 'message' && e!.message.inReplyTo).toBeUndefined();
  });
  it('messagebird: more than 50 media URLs is a 400', async () => {
    const form = new URLSearchParams({ id: 'm1', originator: '316', recipient: '31', body: 'x', mediaUrls: Array(51).fill('https://m/1').join(',') });
    expect(await rejected(messagebird, sign.messagebird(form.toString()))).toMatchObject({ status: 400 });
  });
  it('telegram: an edit is clipped to fit an item; names are clipped', async () => {
    const edit = telegramPayload({ from: '42', body: 'e'.repeat(1_000_000), messageId: 7, updateId: 8, edit: true, name: 'n'.repeat(1000) });
    const [e] = await events(telegram, sign.telegram(JSON.stringify(edit)));
    expect(e!.kind === 'edit' && e!.edit.text!.length).toBe(16 * 1024);
    const [m] = await events(telegram, sign.telegram(JSON.stringify(telegramPayload({ from: '42', body: 'x', name: 'n'.repeat(1000) }))));
    expect(m!.kind === 'message' && m!.message.displayName).toBe('n'.repeat(256));
  });
  it('vonage: over-long profile names and context ids do not make the event too large', async () => {
    const body = { message_uuid: 'u', to: '1', from: '447700900001', channel: 'whatsapp', message_type: 'text', text: 'x', profile: { name: 'p'.repeat(1_000_000) }, context: { message_uuid: 'c'.repeat(1_000_000) } };
    const [e] = await events(vonage, sign.vonage(JSON.stringify(body)));
    expect(e).toMatchObject({ kind: 'message', message: { displayName: 'p'.repeat(256) } });
    expect(e!.kind === 'message' && e!.message.inReplyTo).toBeUndefined();
  });
});
