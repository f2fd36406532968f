/** The console's routes: public, strict headers, cache validators, and a page built from the API's own list filters. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { filterFields, renderFilterFields } from '../../functions/api/console/filters.ts';
import { CONSOLE_ASSET_PATHS, CONSOLE_CSP } from '../../functions/api/routes/console.ts';
import { CONSOLE_ASSETS } from '../../functions/api/console/served.ts';
import { ListQuerySchema } from '../../functions/api/routes/tickets.ts';
import { ApiService } from '../../functions/api/service.ts';
import type { CoreDeps } from '../../functions/core/ports.ts';
import { ROUTES } from '../../functions/spec.ts';
import { GENERATED_PATH, renderConsoleAssets } from '../../scripts/console-assets.ts';
import { request, testConfig } from '../helpers/fixtures.ts';

const api = new ApiService({ clock: { now: () => new Date('2026-03-02T10:00:00.000Z') } } as unknown as CoreDeps, testConfig());
const get = (path: string, headers: Record<string, string> = {}, rawQuery = '') => api.handle(request('GET', path, '', headers, rawQuery));

describe('console routes', () => {
  it('the generated assets module matches the console files and uplot (else: node scripts/console-assets.ts)', () => {
    expect(readFileSync(new URL(`../../${GENERATED_PATH}`, import.meta.url), 'utf8') === renderConsoleAssets(), 'run `node scripts/console-assets.ts`').toBe(true);
  });

  it('every console path is routed to the api function in the spec, and nothing else under /console', () => {
    const specPaths = ROUTES.filter((r) => r.path === '/console' || r.path.startsWith('/console/')).map((r) => `${r.method} ${r.path} ${r.fn}`);
    expect(specPaths.sort()).toEqual(['/console', ...Object.keys(CONSOLE_ASSETS).map((p) => `/${p}`)].map((p) => `GET ${p} api`).sort());
    // The routes are declared without loading the assets; the paths must be the assets' own.
    expect([...CONSOLE_ASSET_PATHS].sort()).toEqual(Object.keys(CONSOLE_ASSETS).sort());
  });

  it('GET /console needs no key and answers the page with a strict CSP, nosniff and revalidation', async () => {
    const r = await get('/console');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CONSOLE_CSP);
    for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'none'"]) expect(CONSOLE_CSP).toContain(d);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['etag']).toMatch(/^"[\w-]{16}"$/);
    // Nothing inline: every script and style comes from a file the CSP allows.
    expect(r.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(r.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const [path, a] of Object.entries(CONSOLE_ASSETS)) expect(r.body).toContain(`"${path}?v=${a.version}"`);
    expect(r.body).not.toMatch(/\{\{|\}\}/);
  });

  it('answers 304 to a matching If-None-Match, the full page otherwise', async () => {
    const first = await get('/console');
    const again = await get('/console', { 'if-none-match': `W/"x", ${first.headers['etag']}` });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await get('/console', { 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it.each(Object.entries(CONSOLE_ASSETS))('GET /%s: its content type, cached for good only under its own hash', async (path, a) => {
    const current = await get(`/${path}`, {}, `v=${a.version}`);
    expect(current.statusCode).toBe(200);
    expect(current.headers['content-type']).toBe(path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    expect(current.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(current.headers['x-content-type-options']).toBe('nosniff');
    expect(current.body).toBe(a.body);
    for (const q of ['', 'v=stale']) expect((await get(`/${path}`, {}, q)).headers['cache-control']).toBe('no-cache');
  });

  it('uPlot ships with its licence banner', async () => {
    const r = await get('/console/uplot.js');
    expect(r.body).toMatch(/^\/\*! uPlot v1\.\d+\.\d+ \| MIT License/);
  });

  it('the filter form has one labelled field per query parameter of GET /v1/tickets (the cursor aside)', async () => {
    const page = (await get('/console')).body;
    const form = page.slice(page.indexOf('<form id="filters"'), page.indexOf('</form>', page.indexOf('<form id="filters"')));
    const names = [...form.matchAll(/\sname="([^"]+)"/g)].map((m) => m[1]);
    const shape = Object.keys((ListQuerySchema as unknown as { shape: Record<string, unknown> }).shape).filter((k) => k !== 'cursor');
    expect(names).toEqual(shape);
    expect(names).toEqual(expect.arrayContaining(['status', 'channel']));
    for (const f of filterFields(ListQuerySchema)) {
      expect(form).toContain(`<label for="filter-${f.name}">`);
      expect(form).toMatch(new RegExp(`id="filter-${f.name}" name="${f.name}"`));
    }
    // Enum filters offer exactly the API's values.
    expect(form).toContain('<option value="whatsapp">whatsapp</option>');
  });
});

describe('filter form from a query schema', () => {
  const schema = z
    .object({
      status: z.string().transform((s) => s.split(',')).pipe(z.array(z.enum(['open', 'closed']))).optional(),
      sort: z.enum(['-lastMessageAt', 'slaDueAt']).default('-lastMessageAt'),
      updatedSince: z.iso.datetime({ offset: true }).optional(),
      assignee: z.string().trim().pipe(z.string().min(1)).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      cursor: z.string().optional(),
    })
    .strict();

  it('maps each parameter to a control: enum (also a comma list of one) → select, ISO time → datetime-local, number → bounded number, else text', () => {
    const fields = filterFields(schema);
    expect(fields.map((f) => [f.name, f.kind, f.options, f.defaultValue, f.min, f.max])).toEqual([
      ['status', 'enum', ['open', 'closed'], undefined, undefined, undefined],
      ['sort', 'enum', ['-lastMessageAt', 'slaDueAt'], '-lastMessageAt', undefined, undefined],
      ['updatedSince', 'datetime', [], undefined, undefined, undefined],
      ['assignee', 'text', [], undefined, undefined, undefined],
      ['limit', 'number', [], '25', 1, 100],
    ]);
    const html = renderFilterFields(fields);
    expect(html).toContain('<select id="filter-status" name="status"><option value="">any</option><option value="open">open</option>');
    expect(html).toContain('<option value="-lastMessageAt" selected>latest activity first</option>');
    expect(html).toContain('<input id="filter-updatedSince" name="updatedSince" type="datetime-local">');
    expect(html).toContain('min="1" max="100" value="25"');
  });

  it('a schema that is not an object gives no fields', () => {
    expect(filterFields(z.string())).toEqual([]);
  });
});
