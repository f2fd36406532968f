/**
 * GET /v1/tickets?language=: tickets created by real signed Twilio webhooks through the local
 * stack carry the language of their first customer message (core/signals), and the list filters
 * on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendSms, startTestStack, uniquePhone, type TestStack } from '../helpers/stack.ts';

const WELSH = 'Mae fy ngherdyn banc wedi cael ei ddwyn y bore ’ma, rhaid i chi ei rwystro ar unwaith.';
const WELSH_2 = 'Helo, dydw i ddim wedi derbyn fy archeb eto. Allwch chi wirio’r statws os gwelwch yn dda?';
const TURKISH = 'Merhaba, siparişim hâlâ gelmedi. Kargo durumunu kontrol edebilir misiniz lütfen?';
const HAUSA = 'An sace katin banki na da safen nan, don Allah ku toshe shi yanzu.';

let stack: TestStack;
const phone = { cy: uniquePhone(), cy2: uniquePhone(), tr: uniquePhone(), ha: uniquePhone(), short: uniquePhone() };
const ids: Record<keyof typeof phone, string> = { cy: '', cy2: '', tr: '', ha: '', short: '' };

const list = async (query: string) => {
  const r = await api(stack, 'GET', `/v1/tickets?${query}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as { tickets: Array<{ id: string; customerAddress: string }>; nextCursor: string | null };
};
const idsOf = (page: { tickets: Array<{ id: string }> }) => page.tickets.map((t) => t.id).sort();

beforeAll(async () => {
  stack = await startTestStack({ AUTO_ACK_ENABLED: 'false' });
  const bodies: Record<keyof typeof phone, string> = { cy: WELSH, cy2: WELSH_2, tr: TURKISH, ha: HAUSA, short: 'ok' };
  for (const k of Object.keys(phone) as Array<keyof typeof phone>) {
    const r = await sendSms(stack, { from: phone[k], body: bodies[k] });
    expect(r.status).toBe(200);
  }
  const all = await list('limit=100');
  for (const k of Object.keys(phone) as Array<keyof typeof phone>) ids[k] = all.tickets.find((t) => t.customerAddress === phone[k])!.id;
});
afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/tickets?language=', () => {
  it('lists the Welsh tickets for cy, the Turkish one for tr, the Hausa one for ha', async () => {
    expect(idsOf(await list('language=cy&limit=100'))).toEqual([ids.cy, ids.cy2].sort());
    expect(idsOf(await list('language=tr&limit=100'))).toEqual([ids.tr]);
    expect(idsOf(await list('language=ha&limit=100'))).toEqual([ids.ha]);
  });

  it('a message too short to tell is und, and und is a filter like any other', async () => {
    expect(idsOf(await list('language=und&limit=100'))).toEqual([ids.short]);
  });

  it('combines with the other filters and accepts upper case', async () => {
    expect(idsOf(await list('language=CY&channel=sms&status=open&limit=100'))).toEqual([ids.cy, ids.cy2].sort());
    expect(idsOf(await list('language=cy&channel=whatsapp&limit=100'))).toEqual([]);
    expect(idsOf(await list('language=de&limit=100'))).toEqual([]);
  });

  it('keeps the language of the first customer message when the customer switches language', async () => {
    const r = await sendSms(stack, { from: phone.tr, body: WELSH });
    expect(r.status).toBe(200);
    expect(idsOf(await list('language=tr&limit=100'))).toEqual([ids.tr]);
    expect(idsOf(await list('language=cy&limit=100'))).not.toContain(ids.tr);
  });

  it('pages with a cursor bound to the language asked for', async () => {
    const first = await list('language=cy&limit=1');
    expect(first.tickets).toHaveLength(1);
    expect(first.nextCursor).toBeTruthy();
    const second = await list(`language=cy&limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect([...idsOf(first), ...idsOf(second)].sort()).toEqual([ids.cy, ids.cy2].sort());
    const reused = await api(stack, 'GET', `/v1/tickets?language=tr&limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(reused.status).toBe(400);
    expect(reused.json.error.code).toBe('invalid_cursor');
  });

  it.each(['english', 'c', 'c1', 'cy,tr', '', 'zh-Hans'])('language=%s is a 400 invalid_query', async (value) => {
    const r = await api(stack, 'GET', `/v1/tickets?language=${encodeURIComponent(value)}`);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('invalid_query');
    expect(r.json.error.message).toBeTruthy();
  });
});
