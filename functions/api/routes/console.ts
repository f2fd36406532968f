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
import type { HttpRequest, HttpResponse } from '../../http.ts';
import type { Asset } from '../console/served.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

/** The asset paths (relative to the page); their bytes load with the first console request (console/served.ts). */
export const CONSOLE_ASSET_PATHS = ['console/console.js', 'console/console.css', 'console/uplot.js', 'console/uplot.css'] as const;
const served = () => import('../console/served.ts');

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

function serve(req: HttpRequest, a: Asset, cacheControl: string): HttpResponse {
  const etag = `"${a.version}"`;
  const headers = { ...SECURITY_HEADERS, 'content-type': a.contentType, 'cache-control': cacheControl, etag };
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: a.body };
}

const assetRoute = (path: string) =>
  defineRoute({
    method: 'GET',
    path,
    summary: `Operator console: ${path.split('/').pop()}`,
    async handle({ req }) {
      const a = (await served()).CONSOLE_ASSETS[path.slice(1)]!;
      // Linked with its content hash: cache for good. Asked without it (or an old one): revalidate.
      const immutable = req.query.get('v') === a.version;
      return serve(req, a, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

export const consoleRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/console',
    summary: 'Operator console (a web page that calls this API with the key you enter)',
    async handle({ req }) {
      return serve(req, (await served()).CONSOLE_PAGE, 'no-cache');
    },
  }),
  ...CONSOLE_ASSET_PATHS.map((p) => assetRoute(`/${p}`)),
];
