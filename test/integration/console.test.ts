/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The operator console in a real browser: headless Chromium (@sparticuz/chromium, installed by
 * `npm ci`) driven by puppeteer-core against the real local stack (DynamoDB Local, fauxqs, HTTP
 * gateway, worker). Tickets are created through signed webhooks, replies go through the provider
 * stub, and every figure the page shows is compared with a direct API call.
 *
 * `CONSOLE_SCREENSHOT=1 npx vitest run test/integration/console.test.ts` also writes
 * docs/console.png and docs/console-report.png.
 */
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedTelegram, telegramPayload } from '../../bin/simulate.ts';
import { API_KEY, api, deliver, eventually, sendSms, startTestStack, ticketsOf, uniquePhone, type TestStack } from '../helpers/stack.ts';

const CONSOLE_KEY = 'console-key-0123456789';
const SCREENSHOT = process.env['CONSOLE_SCREENSHOT'];

let stack: TestStack;
let browser: Browser;
const seeded = { sms: '', telegram: '', smsPhone: uniquePhone(), telegramChat: String(7_000_000 + Math.floor(Math.random() * 1e6)) };
/** Uncaught errors and CSP violations of every page, checked at the end. */
const problems: string[] = [];

type Json = Record<string, any>;

async function replyAndWait(id: string, text: string): Promise<void> {
  const r = await api(stack, 'POST', `/v1/tickets/${id}/replies`, { text, author: 'Ada' });
  expect(r.status, r.text).toBe(201);
  await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${id}`)).json.messages.some((m: Json) => m['id'] === r.json.message.id && m['deliveryStatus'] === 'sent'), 15_000, 'reply sent');
}

/** Wait for the worker to send a ticket's automatic acknowledgement (on the clock of the moment). */
async function autoAcked(id: string): Promise<void> {
  await eventually(async () => (await api(stack, 'GET', `/v1/tickets/${id}`)).json.messages.some((m: Json) => m['automated'] && m['deliveryStatus'] === 'sent'), 15_000, 'auto-acknowledgement sent');
}

async function telegram(text: string): Promise<void> {
  const s = stack.runtime.config.secrets;
  const r = await deliver(stack, signedTelegram(s.TELEGRAM_SECRET_TOKEN!, telegramPayload({ from: seeded.telegramChat, body: text, name: 'Grace' })));
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  stack = await startTestStack({
    API_KEYS: JSON.stringify([
      { key: API_KEY, scopes: ['tickets:read', 'tickets:write'], name: 'agent' },
      { key: CONSOLE_KEY, scopes: ['tickets:read', 'reports:read'], name: 'console' },
    ]),
    SLA_POLICIES: JSON.stringify([{ name: 'standard', targets: { firstReply: 3600, resolution: 86400 } }]),
  });
  // Tickets that waited a while (the stack's clock set back while they arrive), then answered now:
  // SMS 47 min (resolved, with a note), WhatsApp 95 min (first-reply SLA breached), Telegram seconds.
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  stack.setNow(ago(95));
  expect((await sendSms(stack, { from: uniquePhone(), whatsapp: true, to: '+14155238886', body: 'Is the shop open on Sunday?' })).status).toBe(200);
  const whatsapp = (await api(stack, 'GET', '/v1/tickets?channel=whatsapp')).json.tickets[0]['id'] as string;
  await autoAcked(whatsapp);
  stack.setNow(ago(47));
  expect((await sendSms(stack, { from: seeded.smsPhone, body: 'My order 1042 has not arrived' })).status).toBe(200);
  seeded.sms = (await ticketsOf(stack, seeded.smsPhone))[0]!['id'];
  await autoAcked(seeded.sms);
  stack.setNow(undefined);
  await telegram('Hello, I cannot log in');
  seeded.telegram = await eventually(async () => (await api(stack, 'GET', '/v1/tickets?channel=telegram&limit=100')).json.tickets.find((t: Json) => t['customerAddress'] === seeded.telegramChat)?.id, 10_000, 'telegram ticket');
  await replyAndWait(seeded.sms, 'Sorry about that, it ships today.');
  await replyAndWait(whatsapp, 'Yes, from 10:00 to 16:00.');
  await replyAndWait(seeded.telegram, 'Let us reset your password.');
  expect((await api(stack, 'POST', `/v1/tickets/${seeded.sms}/notes`, { text: 'Refund approved by finance', author: 'Ada' })).status).toBe(201);
  expect((await api(stack, 'PATCH', `/v1/tickets/${seeded.sms}`, { status: 'resolved' })).status).toBe(200);

  const args = [...chromium.args.filter((a) => !/^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials)/.test(a)), '--lang=en-US'];
  browser = await puppeteer.launch({ args, executablePath: await chromium.executablePath(), headless: true, defaultViewport: { width: 1440, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A fresh tab (its own sessionStorage) on the console, recording uncaught errors and CSP violations. */
async function openConsole(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => ((window as any).__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const r = await page.goto(`${stack.url}/console`, { waitUntil: 'load' });
  expect([200, 304]).toContain(r?.status()); // 304: the browser revalidated its cached copy
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).__csp ?? []);
}

/** Type a key into the field labelled "API key" and submit it with Enter. */
async function useKey(page: Page, key: string): Promise<void> {
  const field = await page.waitForSelector('::-p-aria(API key)');
  expect(await field!.evaluate((e) => e.id)).toBe('api-key');
  await field!.type(key);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('key-status')!.textContent!.includes('A key is set'));
}

const listed = (page: Page) => page.$$eval('#tickets tbody tr', (rows) => rows.map((r) => ({ id: (r as HTMLElement).dataset['ticketId']!, channel: (r as HTMLElement).dataset['channel']! })));
const threadTexts = (page: Page) => page.$$eval('#thread li', (items) => items.map((li) => ({ direction: (li as HTMLElement).dataset['direction'], automated: (li as HTMLElement).dataset['automated'], text: li.querySelector('.text')?.textContent, meta: li.querySelector('.meta')?.textContent })));

describe('operator console in headless Chromium', () => {
  let page: Page;

  it('loads with a key that stays in this tab’s sessionStorage (not localStorage, cookies or the URL)', async () => {
    page = await openConsole();
    const requests: Array<{ url: string; auth: string | undefined }> = [];
    page.on('request', (r) => requests.push({ url: r.url(), auth: r.headers()['authorization'] }));
    await useKey(page, CONSOLE_KEY);
    await page.waitForFunction(() => document.querySelectorAll('#tickets tbody tr').length > 0);
    const ids = (await listed(page)).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([seeded.sms, seeded.telegram]));

    const storage = await page.evaluate(() => ({ session: { ...sessionStorage }, local: localStorage.length, cookie: document.cookie, field: (document.getElementById('api-key') as HTMLInputElement).value }));
    expect(Object.values(storage.session)).toEqual([CONSOLE_KEY]);
    expect(storage.local).toBe(0);
    expect(storage.cookie).toBe('');
    expect(storage.field).toBe('');
    expect(page.url()).toBe(`${stack.url}/console`);
    const apiCalls = requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/'));
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const r of apiCalls) expect(r.auth).toBe(`Bearer ${CONSOLE_KEY}`);
    for (const r of requests) expect(r.url).not.toContain(CONSOLE_KEY);
  });

  it('filters by channel with the API’s own filter', async () => {
    await page.select('::-p-aria(Channel)', 'telegram');
    await page.click('#show-tickets');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('#tickets tbody tr')].every((r) => r.dataset['channel'] === 'telegram'));
    const rows = await listed(page);
    expect(rows.map((r) => r.id)).toContain(seeded.telegram);
    expect(rows.map((r) => r.id)).not.toContain(seeded.sms);
    const direct = (await api(stack, 'GET', '/v1/tickets?channel=telegram&limit=25')).json.tickets.map((t: Json) => t['id']);
    expect(rows.map((r) => r.id)).toEqual(direct);
  });

  it('opens a ticket: thread with delivery status and automated message, SLA, measures and event log', async () => {
    await page.click(`#tickets tr[data-ticket-id="${seeded.telegram}"] button.open-ticket`);
    await page.waitForFunction((id) => document.getElementById('ticket-view')!.dataset['loaded'] === 'true' && document.getElementById('ticket-view')!.dataset['ticketId'] === id, {}, seeded.telegram);
    const thread = await threadTexts(page);
    expect(thread).toContainEqual(expect.objectContaining({ direction: 'inbound', text: 'Hello, I cannot log in' }));
    expect(thread).toContainEqual(expect.objectContaining({ direction: 'outbound', automated: 'false', text: 'Let us reset your password.', meta: expect.stringContaining('Delivery: sent') }));
    expect(thread.some((m) => m.automated === 'true' && m.meta?.includes('Automated message'))).toBe(true);

    const detail = (await api(stack, 'GET', `/v1/tickets/${seeded.telegram}`)).json.ticket;
    const sla = await page.$$eval('#sla tbody tr', (rows) => rows.map((r) => [(r as HTMLElement).dataset['target'], r.children[1]!.textContent]));
    expect(sla).toEqual(['firstReply', 'nextReply', 'resolution'].map((t) => [t, detail.sla.targets[t].status]));
    expect(await page.$eval('#sla-policy', (e) => e.textContent)).toContain('standard');
    expect(await page.$eval('#measures tbody tr:first-child td', (e) => e.textContent)).not.toBe('not yet');

    const events = await page.$$eval('#events tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset['eventType']));
    const direct = (await api(stack, 'GET', `/v1/tickets/${seeded.telegram}/events?limit=100`)).json.events.map((e: Json) => e['type']);
    expect(events).toEqual(direct);
    expect(events).toEqual(expect.arrayContaining(['message.received', 'reply.sent']));
  });

  it('shows a message a signed webhook has just created', async () => {
    const text = `Still locked out ${Date.now()}`;
    await telegram(text);
    await page.click('#ticket-refresh');
    await page.waitForFunction((t) => [...document.querySelectorAll('#thread .text')].some((p) => p.textContent === t), {}, text);
    const last = (await threadTexts(page)).at(-1);
    expect(last).toEqual(expect.objectContaining({ direction: 'inbound', text }));
  });

  it('shows an internal note and a resolved ticket', async () => {
    await page.select('::-p-aria(Channel)', '');
    await page.click('#show-tickets');
    await page.waitForSelector(`#tickets tr[data-ticket-id="${seeded.sms}"]`);
    await page.click(`#tickets tr[data-ticket-id="${seeded.sms}"] button.open-ticket`);
    await page.waitForFunction((id) => document.getElementById('ticket-view')!.dataset['loaded'] === 'true' && document.getElementById('ticket-view')!.dataset['ticketId'] === id, {}, seeded.sms);
    expect(await threadTexts(page)).toContainEqual(expect.objectContaining({ direction: 'note', text: 'Refund approved by finance' }));
    expect(await page.$eval('#ticket-facts', (e) => e.textContent)).toContain('resolved');
    if (SCREENSHOT) await page.screenshot({ path: 'docs/console.png', fullPage: true });
  });

  it('a key without reports:read gets a clear message, not a broken page', async () => {
    const p = await openConsole();
    await useKey(p, API_KEY);
    await p.click('#tab-report');
    await p.waitForFunction(() => document.getElementById('report-error')!.textContent !== '');
    const message = await p.$eval('#report-error', (e) => e.textContent!);
    expect(message).toContain('403');
    expect(message).toContain('reports:read');
    expect(await p.$$('#charts figure')).toHaveLength(0);
    await p.close();
  });

  it('an unknown key gets a clear 401 message', async () => {
    const p = await openConsole();
    await useKey(p, 'not-a-real-key-000000');
    await p.waitForFunction(() => document.getElementById('tickets-error')!.textContent !== '');
    expect(await p.$eval('#tickets-error', (e) => e.textContent)).toMatch(/401.*valid key/);
    await p.close();
  });

  it('draws the response-time charts with the report’s numbers', async () => {
    await page.click('#tab-report');
    await page.waitForFunction(() => document.querySelectorAll('#charts figure').length === 4);
    const from = await page.$eval('#report-from', (e) => (e as HTMLInputElement).value);
    const to = await page.$eval('#report-to', (e) => (e as HTMLInputElement).value);
    const r = await fetch(`${stack.url}/v1/reports/response-times?from=${from}&to=${to}&groupBy=channel`, { headers: { authorization: `Bearer ${CONSOLE_KEY}` } });
    const groups = ((await r.json()) as Json)['groups'] as Json[];
    expect(groups.map((g) => g['channel'])).toEqual(expect.arrayContaining(['sms', 'telegram']));
    const col = (f: (g: Json) => unknown) => groups.map((g) => f(g) ?? null);
    const expected: Record<string, unknown[][]> = {
      'first-reply': [col((g) => g['firstReply'].p50), col((g) => g['firstReply'].p90)],
      resolution: [col((g) => g['firstResolution'].p50), col((g) => g['firstResolution'].p90)],
      sla: [col((g) => g['sla'].firstReply.rate), col((g) => g['sla'].nextReply.rate), col((g) => g['sla'].resolution.rate)],
      volume: [col((g) => g['firstReply'].count), col((g) => g['firstResolution'].count)],
    };
    expect(expected['first-reply']![0]!.every((v) => typeof v === 'number' && v > 0)).toBe(true);

    const charts = await page.$$eval('#charts figure', (figs) =>
      figs.map((f) => {
        const plot = f.querySelector<HTMLElement>('.plot')!;
        const canvas = plot.querySelector('canvas')!;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const colours: Record<string, number> = {};
        for (let i = 0; i < px.length; i += 4) {
          const key = `${px[i]},${px[i + 1]},${px[i + 2]}`;
          colours[key] = (colours[key] ?? 0) + 1;
        }
        return {
          id: f.dataset['chart']!,
          labels: JSON.parse(plot.dataset['labels']!),
          values: JSON.parse(plot.dataset['values']!),
          table: [...f.querySelectorAll('table.figures tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.dataset['value'] === '' ? null : Number(td.dataset['value'])))),
          colours,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['first-reply', 'resolution', 'sla', 'volume']);
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',');
    const seriesColours: Record<string, string[]> = { 'first-reply': ['#1d4ed8', '#c2410c'], resolution: ['#1d4ed8', '#c2410c'], sla: ['#1d4ed8', '#7e22ce', '#15803d'], volume: ['#1d4ed8', '#15803d'] };
    for (const c of charts) {
      expect(c.labels, c.id).toEqual(groups.map((g) => g['channel']));
      expect(c.values, c.id).toEqual(expected[c.id]);
      // The table under the chart: one row per channel, one cell per series.
      expect(c.table, c.id).toEqual(groups.map((_, i) => expected[c.id]!.map((s) => s[i])));
      // Each series with a positive figure left bars of its colour on the canvas.
      expected[c.id]!.forEach((series, k) => {
        if (series.some((v) => typeof v === 'number' && v > 0)) expect(c.colours[rgb(seriesColours[c.id]![k]!)] ?? 0, `${c.id} series ${k}`).toBeGreaterThan(50);
      });
    }
    if (SCREENSHOT) await page.screenshot({ path: 'docs/console-report.png' });
  });

  it('works from the keyboard alone, with a visible focus', async () => {
    const p = await openConsole();
    const focused = () => p.evaluate(() => {
      const e = document.activeElement as HTMLElement;
      const s = getComputedStyle(e);
      return { id: e.id, cls: e.className, outline: s.outlineStyle, width: parseFloat(s.outlineWidth), text: e.textContent };
    });
    /** Press Tab until `match` holds for the focused element (reachable in the tab order), at most 60 times. */
    const tabTo = async (match: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string) => {
      for (let i = 0; i < 60; i++) {
        await p.keyboard.press('Tab');
        const f = await focused();
        expect(f.outline, `focus ring on ${f.id || f.cls}`).not.toBe('none');
        expect(f.width).toBeGreaterThanOrEqual(2);
        if (match(f)) return;
      }
      throw new Error(`Tab never reached ${what}`);
    };
    await tabTo((f) => f.id === 'api-key', 'the key field');
    await p.keyboard.type(CONSOLE_KEY);
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelectorAll('#tickets tbody tr').length > 0);
    await tabTo((f) => f.id === 'filter-channel', 'the channel filter');
    await p.keyboard.type('telegram');
    expect(await p.$eval('#filter-channel', (e) => (e as HTMLSelectElement).value)).toBe('telegram');
    await tabTo((f) => f.id === 'show-tickets', 'Show tickets');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('#tickets tbody tr')].every((r) => r.dataset['channel'] === 'telegram'));
    await tabTo((f) => f.cls.includes('open-ticket'), 'a ticket');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.getElementById('ticket-view')!.dataset['loaded'] === 'true');
    expect((await focused()).id).toBe('ticket-title');
    expect((await threadTexts(p)).some((m) => m.direction === 'inbound')).toBe(true);
    // The tabs: focus the selected one, arrow to the report.
    await p.focus('#tab-tickets');
    await p.keyboard.press('ArrowRight');
    expect((await focused()).id).toBe('tab-report');
    await p.waitForFunction(() => document.querySelectorAll('#charts figure').length === 4);
    expect(await p.$eval('#view-tickets', (e) => (e as HTMLElement).hidden)).toBe(true);
    await p.close();
  });

  it('is accessible: every control labelled, text contrast at least 4.5:1, chart colours at least 3:1', async () => {
    await page.click('#tab-tickets');
    const report = await page.evaluate(() => {
      const unlabelled = [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')].filter((e) => !e.labels?.length).map((e) => e.id || e.name);
      const nameless = [...document.querySelectorAll('button')].filter((b) => !(b.getAttribute('aria-label') || b.textContent!.trim())).map((b) => b.id);
      const rgba = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number) as number[];
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const background = (e: Element | null): number[] => {
        for (; e; e = e.parentElement) {
          const c = rgba(getComputedStyle(e).backgroundColor);
          if ((c[3] ?? 1) > 0) return c;
        }
        return [255, 255, 255];
      };
      const low: string[] = [];
      let checked = 0;
      for (const e of document.querySelectorAll('body *')) {
        const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
        if (!own || e.closest('[hidden], option, .sr-only, [disabled]') || !(e as HTMLElement).getClientRects().length) continue;
        const fg = lum(rgba(getComputedStyle(e).color));
        const bg = lum(background(e));
        const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        checked++;
        if (ratio < 4.5) low.push(`${e.tagName}.${e.className} "${e.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      const series = ['#1d4ed8', '#c2410c', '#7e22ce', '#15803d'].map((h) => {
        const l = lum([1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
        return (1.05 / (l + 0.05)).toFixed(2);
      });
      return { unlabelled, nameless, low, checked, series };
    });
    expect(report.unlabelled).toEqual([]);
    expect(report.nameless).toEqual([]);
    expect(report.checked).toBeGreaterThan(50);
    expect(report.low).toEqual([]);
    for (const r of report.series) expect(Number(r)).toBeGreaterThanOrEqual(3);
  });

  it('the browser enforces the page’s CSP, and nothing broke or was blocked on the way', async () => {
    expect(await cspViolations(page)).toEqual([]);
    // Trusted Types: the page cannot turn a string into markup or script.
    const blocked = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__pwned=1">');
        return false;
      } catch {
        return true;
      }
    });
    expect(blocked).toBe(true);
    // The violation report is an event the browser dispatches after the fact: wait for it.
    let violations: string[] = [];
    for (let i = 0; i < 50 && violations.length === 0; i++) {
      violations = await cspViolations(page);
      if (violations.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(violations).toEqual([expect.stringContaining('require-trusted-types-for')]);
    expect(problems).toEqual([]);
  });
});
