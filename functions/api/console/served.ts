/**
 * The console's bytes as served: its page (with the list filters and hashed asset links) and assets,
 * each with its content hash. Loaded by routes/console.ts on the first console request, so the api
 * function does not parse ~90 KB of page, script and uPlot at every cold start.
 */
import { createHash } from 'node:crypto';
import { ListQuerySchema } from '../routes/tickets.ts';
import { CONSOLE_FILES } from './assets.generated.ts';
import { filterFields, renderFilterFields } from './filters.ts';

export interface Asset {
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

export const CONSOLE_PAGE = asset(renderConsolePage(), 'text/html; charset=utf-8');
