/// <reference lib="dom" />
/**
 * The email survey end to end on the local stack: an email ticket is resolved, the survey email
 * (captured from the SES stub, parsed back from MIME) carries one signed link per score and
 * List-Unsubscribe; the page is driven in headless Chromium (@sparticuz/chromium + puppeteer-core,
 * as the console test): click score 4, read the thank-you page, submit a comment; the ticket's
 * rating, events, metrics and report agree. Tampered and expired links get a 4xx page; a GET of the
 * unsubscribe link changes nothing, the one-click POST opts the address out, and the next
 * automated message to it is not sent.
 *
 * `SURVEY_SCREENSHOT=1 npx vitest run test/integration/survey-page.test.ts` also writes docs/survey-page.png.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import chromium from '@sparticuz/chromium';
import PostalMime from 'postal-mime';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedPostmark } from '../../bin/simulate.ts';
import { api, deliver, eventually, REPORTS_KEY, startTestStack, type TestStack } from '../helpers/stack.ts';

let stack: TestStack;
let browser: Browser;
/** Uncaught errors, failed loads and CSP violations of every page, checked at the end. */
const problems: string[] = [];
type Json = Record<string, any>;

beforeAll(async () => {
  stack = await startTestStack({ SURVEY_DELAY_SECONDS: '1', AUTOMATION_RATE_LIMIT_PER_HOUR: '50' });
  const args = [...chromium.args.filter((a) => !/^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials)/.test(a)), '--lang=en-US'];
  browser = await puppeteer.launch({ args, executablePath: await chromium.executablePath(), headless: true, defaultViewport: { width: 800, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
  page.on('console', (m) => {
    // The error pages' own 404/410 (expected) are logged as failed loads of the document itself.
    const ownStatus = m.location()?.url === page.url() && /status of 4(04|10)\b/.test(m.text());
    if (m.type() === 'error' && !ownStatus) problems.push(`console: ${m.text()} (${m.location()?.url ?? ''})`);
  });
  return page;
}

const detail = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}`)).json as { ticket: Json; messages: Json[] };
const eventsOf = async (id: string) => (await api(stack, 'GET', `/v1/tickets/${id}/events?limit=200`)).json.events as Json[];
/** Links carry PUBLIC_BASE_URL (http://localhost:<port>); reach the stack where it listens. */
const local = (url: string) => url.replace(stack.runtime.config.publicBaseUrl, stack.url);

async function sentEmailsTo(address: string) {
  const raws = stack.providerStub.requests.filter((r) => r.path.startsWith('/v2/email/outbound-emails')).map((r) => Buffer.from(r.json.Content.Raw.Data, 'base64'));
  const parsed = await Promise.all(raws.map((r) => PostalMime.parse(r)));
  return parsed.filter((m) => m.to?.some((t) => t.address === address));
}

async function emailTicket(customer: string): Promise<string> {
  const s = stack.runtime.config.secrets;
  const r = await deliver(stack, signedPostmark(s.POSTMARK_BASIC_AUTH!, { from: `Ada <${customer}>`, to: 'help@support.example', subject: 'Broken kettle', text: 'It does not heat.' }));
  expect(r.status).toBe(200);
  return eventually(async () => ((await api(stack, 'GET', '/v1/tickets?channel=email&limit=100')).json.tickets as Json[]).find((t) => t['customerAddress'] === customer && t['status'] === 'open')?.['id'] as string | undefined, 10_000, 'the email ticket');
}

/** A resolved email ticket and its survey email (parsed), once sent. */
async function surveyed(customer: string) {
  const id = await emailTicket(customer);
  expect((await api(stack, 'PATCH', `/v1/tickets/${id}`, { status: 'resolved' })).status).toBe(200);
  const survey = await eventually(async () => (await detail(id)).messages.find((m) => m['automated'] && m['purpose'] === 'survey' && m['deliveryStatus'] === 'sent'), 15_000, 'the survey sent');
  const mail = await eventually(async () => (await sentEmailsTo(customer)).find((m) => m.subject?.startsWith('How did we do?')), 5_000, 'the survey email at SES');
  const links = [...(mail.text ?? '').matchAll(/^(\d+): (\S+\/surveys\/(\S+)\?score=\d+)$/gm)].map((m) => ({ score: Number(m[1]), url: m[2]!, token: m[3]! }));
  return { id, survey, mail, links };
}

describe('the survey email', () => {
  let flow: Awaited<ReturnType<typeof surveyed>>;
  const customer = `ada-${randomBytes(4).toString('hex')}@customer.example`;
  beforeAll(async () => {
    flow = await surveyed(customer);
  }, 60_000);

  it('carries one signed link per score in text and HTML, and List-Unsubscribe with one-click (RFC 8058)', async () => {
    const { mail, links, survey, id } = flow;
    expect(links.map((l) => l.score)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(links.map((l) => l.token)).size).toBe(1);
    expect(links[0]!.url.startsWith(`${stack.runtime.config.publicBaseUrl}/surveys/s.${id}.${survey['id']}.csat.`)).toBe(true);
    for (const l of links) expect(mail.html).toContain(`href="${l.url}"`);
    const header = (name: string) => mail.headers.find((h) => h.key === name)?.value;
    expect(header('list-unsubscribe')).toMatch(new RegExp(`^<${stack.runtime.config.publicBaseUrl}/unsubscribe/u\\.${id}\\.${survey['id']}\\.csat\\.\\d+\\.[A-Za-z0-9_-]{22}>$`));
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header('auto-submitted')).toBe('auto-replied');
    expect(mail.subject).toBe(`How did we do? [#${id}]`);
    // The stored message is what was sent (the API shows the text with its links).
    expect(survey['text']).toBe(mail.text?.trimEnd());
  });

  it('in Chromium: click 4, the thank-you page, a comment; the rating is the ticket’s (channel web)', async () => {
    const { id, links } = flow;
    const page = await newPage();
    const html = await page.goto(local(links[3]!.url));
    expect(html?.status()).toBe(200);
    expect(html?.headers()['content-security-policy']).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'/);
    expect(html?.headers()['referrer-policy']).toBe('no-referrer');

    // The thank-you page, read by content: language, heading, the score, a labelled comment field, no script.
    const content = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      title: document.title,
      h1: document.querySelector('h1')?.textContent,
      text: document.querySelector('main')?.innerText,
      label: document.querySelector('label[for="comment"]')?.textContent,
      textarea: !!document.querySelector('form[method="post"] textarea#comment[name="comment"][maxlength="1000"]'),
      submit: document.querySelector('form button[type="submit"]')?.textContent,
      scripts: document.scripts.length,
      styled: getComputedStyle(document.querySelector('button')!).backgroundColor,
    }));
    expect(content).toMatchObject({ lang: 'en', title: 'Thank you for your feedback', h1: 'Thank you for your feedback', label: 'Anything you would like to add? (optional)', textarea: true, submit: 'Send comment', scripts: 0 });
    expect(content.text).toContain('You rated us 4 out of 5.');
    // The inline style ran under the CSP (its hash matches): the button has its colour.
    expect(content.styled).toBe('rgb(31, 78, 140)');
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    if (process.env['SURVEY_SCREENSHOT']) writeFileSync(new URL('../../docs/survey-page.png', import.meta.url), shot);
    // What assistive technology reads: the heading, the labelled and described text box, the button.
    type Node = { role: string; name?: string; description?: string; children?: Node[] };
    const flat = (n: Node | null): Node[] => (n ? [n, ...(n.children ?? []).flatMap(flat)] : []);
    const nodes = flat((await page.accessibility.snapshot()) as Node | null).map((n) => ({ role: n.role, name: n.name, ...(n.description ? { description: n.description } : {}) }));
    expect(nodes).toEqual(
      expect.arrayContaining([
        { role: 'heading', name: 'Thank you for your feedback' },
        { role: 'textbox', name: 'Anything you would like to add? (optional)', description: 'Up to 1000 characters. Your comment goes to the team that helped you.' },
        { role: 'button', name: 'Send comment' },
      ]),
    );

    let rated = (await detail(id)).ticket;
    expect(rated['survey']).toMatchObject({ kind: 'csat', score: 4, channel: 'web' });
    expect(rated['status']).toMatch(/resolved|closed/);

    await page.type('#comment', 'Quick and kind <b>thanks</b>');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    const after = await page.evaluate(() => ({ h1: document.querySelector('h1')?.textContent, quote: document.querySelector('blockquote')?.textContent, bold: document.querySelectorAll('blockquote b').length }));
    expect(after).toEqual({ h1: 'Thank you for your feedback', quote: 'Quick and kind <b>thanks</b>', bold: 0 });
    rated = (await detail(id)).ticket;
    expect(rated['survey']).toMatchObject({ kind: 'csat', score: 4, comment: 'Quick and kind <b>thanks</b>', channel: 'web' });
    await page.close();

    // The same score again (a second click, a mail scanner): nothing is written.
    const before = (await eventsOf(id)).length;
    const again = await fetch(local(links[3]!.url));
    expect(again.status).toBe(200);
    expect((await eventsOf(id)).length).toBe(before);
    expect((await detail(id)).ticket['survey']['comment']).toBe('Quick and kind <b>thanks</b>');

    // Another score replaces it: events keep both, the metrics stay the first one's, the report the latest.
    expect((await fetch(local(links[4]!.url))).status).toBe(200);
    expect((await detail(id)).ticket['survey']).toMatchObject({ score: 5, channel: 'web' });
    const ratedEvents = (await eventsOf(id)).filter((e) => e['type'] === 'survey.rated');
    expect(ratedEvents.map((e) => [e['score'], e['replaces'] ?? null, e['channel'], e['actor']])).toEqual([
      [4, null, 'web', 'customer'],
      [4, 4, 'web', 'customer'],
      [5, 4, 'web', 'customer'],
    ]);
    const scores = stack.metrics.events.filter((e) => e.name === 'SurveyScore' && e.dimensions['Channel'] === 'email');
    expect(scores.map((e) => e.value)).toEqual([4]);
    const day = new Date().toISOString().slice(0, 10);
    const report = await api(stack, 'GET', `/v1/reports/satisfaction?from=${day}&to=${day}`, undefined, { authorization: `Bearer ${REPORTS_KEY}` });
    const email = report.json.groups.find((g: Json) => g['channel'] === 'email' && g['kind'] === 'csat');
    expect(email).toMatchObject({ count: 1, distribution: { '4': 0, '5': 1 } });
  });

  it('tampered, foreign and expired links are a 4xx page in the browser and a JSON error otherwise; bad input a 400', async () => {
    const { links } = flow;
    const good = links[0]!.url;
    const tampered = good.replace(/csat\.(\d)/, (_, d) => `csat.${(Number(d) + 1) % 10}`);
    const page = await newPage();
    const r = await page.goto(local(tampered));
    expect(r?.status()).toBe(404);
    expect(await page.evaluate(() => [document.querySelector('h1')?.textContent, document.documentElement.lang])).toEqual(['This link is not valid', 'en']);

    const json404 = await fetch(local(tampered));
    expect(json404.status).toBe(404);
    expect((await json404.json()).error.code).toBe('link_invalid');
    // An unsubscribe token is not a survey token (and the other way round).
    const unsubscribe = flow.mail.headers.find((h) => h.key === 'list-unsubscribe')!.value.slice(1, -1);
    expect((await fetch(local(unsubscribe).replace('/unsubscribe/', '/surveys/'))).status).toBe(404);
    expect((await fetch(local(good).replace('/surveys/', '/unsubscribe/').replace(/\?.*$/, ''))).status).toBe(404);

    for (const bad of ['6', '0', '4.5', 'four', '']) {
      const res = await fetch(local(good.replace(/score=\d+$/, `score=${encodeURIComponent(bad)}`)));
      expect(res.status, bad).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_score');
    }
    expect((await fetch(`${local(good)}&score=2`)).status).toBe(400);
    const post = (body: string, type = 'application/x-www-form-urlencoded') => fetch(local(good).replace(/\?.*$/, ''), { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post(`comment=${'x'.repeat(1001)}`)).status).toBe(400);
    expect((await post('{"comment":"x"}', 'application/json')).status).toBe(415);
    expect((await post('x'.repeat(20_000))).status).toBe(400);
    expect((await detail(flow.id)).ticket['survey']['score']).toBe(5);

    // Past the reply window (7 days): 410, as a page and as JSON; nothing changes.
    stack.setNow(new Date(Date.now() + 8 * 86400_000).toISOString());
    try {
      const expired = await page.goto(local(links[1]!.url));
      expect(expired?.status()).toBe(410);
      expect(await page.$eval('h1', (h) => h.textContent)).toBe('This link has expired');
      const json410 = await fetch(local(links[1]!.url));
      expect(json410.status).toBe(410);
      expect((await json410.json()).error.code).toBe('link_expired');
    } finally {
      stack.setNow(undefined);
    }
    expect((await detail(flow.id)).ticket['survey']['score']).toBe(5);
    await page.close();
  });

  it('a link without a score shows a form to choose one, which works without JavaScript', async () => {
    const other = `grace-${randomBytes(4).toString('hex')}@customer.example`;
    const f = await surveyed(other);
    const page = await newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(local(f.links[0]!.url.replace(/\?.*$/, '')));
    expect(await page.$eval('legend', (l) => l.textContent)).toBe('How satisfied are you with the help you got?');
    expect(await page.$$eval('input[type="radio"][name="score"]', (r) => r.map((x) => (x as HTMLInputElement).value))).toEqual(['1', '2', '3', '4', '5']);
    await page.click('input[value="2"]');
    await page.type('#comment', 'Slow');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(await page.$eval('main', (m) => (m as HTMLElement).innerText)).toContain('You rated us 2 out of 5.');
    expect((await detail(f.id)).ticket['survey']).toMatchObject({ score: 2, comment: 'Slow', channel: 'web' });
    await page.close();
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('a GET only asks; the POST opts the address out, shows on the contact, and later automated messages are not sent', async () => {
    const customer = `lin-${randomBytes(4).toString('hex')}@customer.example`;
    const { id, mail } = await surveyed(customer);
    const url = local(mail.headers.find((h) => h.key === 'list-unsubscribe')!.value.slice(1, -1));
    const contactId = (await detail(id)).ticket['contactId'] as string;
    const optOuts = async () => (await api(stack, 'GET', `/v1/contacts/${contactId}`)).json.optOuts as Json[];
    expect(await optOuts()).toEqual([{ channel: 'email', address: customer, optedOut: false, at: null }]);

    // A GET (a mail scanner, a preview) shows a confirmation and changes nothing.
    const page = await newPage();
    const shown = await page.goto(url);
    expect(shown?.status()).toBe(200);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Stop automated messages?');
    expect(await page.$eval('form[method="post"] input[type="hidden"]', (i) => [(i as HTMLInputElement).name, (i as HTMLInputElement).value])).toEqual(['List-Unsubscribe', 'One-Click']);
    expect((await fetch(url)).status).toBe(200);
    expect((await optOuts())[0]).toMatchObject({ optedOut: false });
    expect((await eventsOf(id)).some((e) => e['type'] === 'contact.opted_out')).toBe(false);

    // A POST without the one-click body is refused.
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' })).status).toBe(400);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(415);

    // The mail client's one-click POST.
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const [o] = await optOuts();
    expect(o).toMatchObject({ channel: 'email', address: customer, optedOut: true, at: expect.any(String) });
    const opted = (await eventsOf(id)).filter((e) => e['type'] === 'contact.opted_out');
    expect(opted).toEqual([expect.objectContaining({ actor: 'customer', channel: 'email', address: customer })]);

    // Again, as multipart/form-data (RFC 8058's SHOULD), and through the page's button: the same answer, nothing new written.
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(200);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('You are unsubscribed');
    await page.close();
    expect((await eventsOf(id)).filter((e) => e['type'] === 'contact.opted_out')).toHaveLength(1);

    // The next automated message to that address (the acknowledgement of a new email) is not sent.
    const sentBefore = (await sentEmailsTo(customer)).length;
    const next = await emailTicket(customer);
    const ack = await eventually(async () => (await detail(next)).messages.find((m) => m['automated'] && m['deliveryStatus'] === 'not_sent'), 15_000, 'the refused acknowledgement');
    expect(ack['deliveryError']).toMatch(/^opted_out/);
    expect((await sentEmailsTo(customer)).length).toBe(sentBefore);
  });
});

afterAll(() => {
  expect(problems).toEqual([]);
});
