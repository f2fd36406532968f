/**
 * The operator console (issue 14): a static page, its script and style, and uPlot, all public.
 * The page holds no data and no secret; everything it shows comes from the REST API, called by the
 * browser with the key the person enters (kept in the tab's sessionStorage).
 *
 * Headers: a strict Content-Security-Policy (scripts, styles and API calls from this origin only,
 * no inline script or style, no framing, no form posts, Trusted Types), nosniff, no referrer.
 * Caching: the page is revalidated on every load (ETag, 304); it names each asset with a content
 * hash (`?v=`), so assets are cached for a year and a new deploy is picked up at once.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '../../http.ts';
import { CONSOLE_FILES } from '../console/assets.generated.ts';
import { filterFields, renderFilterFields } from '../console/filters.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { ListQuerySchema } from './tickets.ts';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

interface Asset {
  readonly body: string;
  readonly contentType: string;
  /** Short content hash: the ETag and the `?v=` the page links with. */
  readonly version: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 16);
const asset = (body: string, contentType: string): Asset => ({ body, contentType, version: hash(body) });

/** The assets by URL path (relative to the page, so the console works under any stage prefix). */
export const CONSOLE_ASSETS: Readonly<Record<string, Asset>> = {
  'console/console.js': asset(CONSOLE_FILES['console.js'], 'text/javascript; charset=utf-8'),
  'console/console.css': asset(CONSOLE_FILES['console.css'], 'text/css; charset=utf-8'),
  'console/uplot.js': asset(CONSOLE_FILES['uplot.js'], 'text/javascript; charset=utf-8'),
  'console/uplot.css': asset(CONSOLE_FILES['uplot.css'], 'text/css; charset=utf-8'),
};

/** The page, with the filter form built from the list route's query schema and hashed asset links. */
export function renderConsolePage(): string {
  return CONSOLE_FILES['index.html']
    .replace('{{filters}}', renderFilterFields(filterFields(ListQuerySchema)))
    .replace(/\{\{asset:([a-z.]+)\}\}/g, (_, name: string) => {
      const a = CONSOLE_ASSETS[`console/${name}`];
      if (!a) throw new Error(`console page links an unknown asset ${name}`);
      return `console/${name}?v=${a.version}`;
    });
}

const PAGE = asset(renderConsolePage(), 'text/html; charset=utf-8');

function serve(req: HttpRequest, a: Asset, cacheControl: string): HttpResponse {
  const etag = `"${a.version}"`;
  const headers = { ...SECURITY_HEADERS, 'content-type': a.contentType, 'cache-control': cacheControl, etag };
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: a.body };
}

const assetRoute = (path: string) => {
  const a = CONSOLE_ASSETS[path.slice(1)]!;
  return defineRoute({
    method: 'GET',
    path,
    summary: `Operator console: ${path.split('/').pop()}`,
    async handle({ req }) {
      // Linked with its content hash: cache for good. Asked without it (or an old one): revalidate.
      const immutable = req.query.get('v') === a.version;
      return serve(req, a, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
};

export const consoleRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/console',
    summary: 'Operator console (a web page that calls this API with the key you enter)',
    async handle({ req }) {
      return serve(req, PAGE, 'no-cache');
    },
  }),
  ...Object.keys(CONSOLE_ASSETS).map((p) => assetRoute(`/${p}`)),
];
