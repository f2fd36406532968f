/**
 * `node bench/routing.ts [--quick]`: our hand-written routing (functions/routing.ts + the route map of
 * functions/api/service.ts) against two maintained routers, for the api function's routes
 * (functions/spec.ts, fn 'api'):
 * - `@aws-lambda-powertools/event-handler` (http `Router`: `app.get('/v1/tickets/:id', h)`,
 *   `app.resolve(event, context)`; it converts each event to a web Request and back),
 * - `@middy/http-router` (a handler per method + path; no 405, an unknown method is a 404).
 *
 * Per router: the bundle it adds (esbuild with lib/bundling.ts's options, an entry with every api
 * route and a trivial handler; bytes of the router's own inputs, from the metafile), module init
 * (median of fresh processes) and routing time per request (API Gateway v2 events → handler →
 * result, over a mix of static, parameterised, 404 and 405 requests; median of interleaved rounds).
 * Every variant does the same non-routing work (fromApiGatewayEvent, json, toApiGatewayResult), so
 * the differences are the routers'.
 * Writes bench/results/routing-latest.json. Not part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions } from '../lib/bundling.ts';
import { RESULTS_DIR } from './child.ts';
import { median, round } from './stats.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'node_modules', '.cache', 'bench-routing');
const run = promisify(execFile);

/** What both of our variants do around `findRoute`: a handler per api route, 405 with Allow, 404 (the same code, so only the matcher differs). */
const DISPATCH = `
    const handlers = new Map(ROUTES.filter((r) => r.fn === 'api').map((r) => [r.method + ' ' + r.path, (params) => json(200, { route: r.path, params })]));
    export async function route(event) {
      const req = fromApiGatewayEvent(event);
      const m = findRoute(req.method, req.path, 'api');
      const any = m.kind === 'match' ? m : findRoute(req.method, req.path);
      if (any.kind === 'method-not-allowed') return toApiGatewayResult(json(405, errorBody('method_not_allowed', 'no'), { allow: any.allowed.join(', ') }));
      const h = m.kind === 'match' ? handlers.get(m.route.method + ' ' + m.route.path) : undefined;
      if (!h) return toApiGatewayResult(json(404, errorBody('not_found', 'no')));
      return toApiGatewayResult(await h({ ...m.params, ...req.pathParams }));
    }`;

/** The three routers, each a module exporting `route(event)` over every api route of the spec. */
const ENTRIES = {
  ours: `
    import { findRoute } from './functions/routing.ts';
    import { ROUTES } from './functions/spec.ts';
    import { fromApiGatewayEvent, json, errorBody, toApiGatewayResult } from './functions/http.ts';
${DISPATCH}`,
  /** A prototype of functions/routing.ts with each template split once, at load (not adopted: measured here). */
  'ours-precompiled': `
    import { ROUTES } from './functions/spec.ts';
    import { fromApiGatewayEvent, json, errorBody, toApiGatewayResult } from './functions/http.ts';
    const compiled = ROUTES.map((r) => ({ r, segs: r.path.split('/').map((s) => (s.startsWith('{') ? { param: s.slice(1, -1) } : s)) }));
    function findRoute(method, path, fn) {
      const p = path.split('/');
      const allowed = [];
      outer: for (const { r, segs } of compiled) {
        if ((fn && r.fn !== fn) || segs.length !== p.length) continue;
        const params = {};
        for (let i = 0; i < segs.length; i++) {
          const s = segs[i];
          if (typeof s === 'string') { if (s !== p[i]) continue outer; }
          else { if (!p[i]) continue outer; try { params[s.param] = decodeURIComponent(p[i]); } catch { continue outer; } }
        }
        if (r.method === method) return { kind: 'match', route: r, params };
        allowed.push(r.method);
      }
      return allowed.length ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
    }
${DISPATCH}`,
  powertools: `
    import { Router } from '@aws-lambda-powertools/event-handler/http';
    import { ROUTES } from './functions/spec.ts';
    import { fromApiGatewayEvent, json, toApiGatewayResult } from './functions/http.ts';
    const app = new Router();
    for (const r of ROUTES.filter((r) => r.fn === 'api')) {
      const path = r.path.replace(/\\{(\\w+)\\}/g, ':$1');
      app.route(async ({ event, params }) => (fromApiGatewayEvent(event), toApiGatewayResult(json(200, { route: r.path, params }))), { method: r.method, path });
    }
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 };
    export const route = (event) => app.resolve(event, context);`,
  middy: `
    import httpRouterHandler from '@middy/http-router';
    import { ROUTES } from './functions/spec.ts';
    import { fromApiGatewayEvent, json, errorBody, toApiGatewayResult } from './functions/http.ts';
    const router = httpRouterHandler({
      routes: ROUTES.filter((r) => r.fn === 'api').map((r) => ({ method: r.method, path: r.path, handler: async (event) => toApiGatewayResult(json(200, { route: r.path, params: fromApiGatewayEvent(event).pathParams })) })),
      notFoundResponse: () => toApiGatewayResult(json(404, errorBody('not_found', 'no'))),
    });
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 };
    export const route = (event) => router(event, context, {});`,
} as const;
type Name = keyof typeof ENTRIES;

const ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5G6';
const event = (method: string, path: string, query = '') => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: query,
  headers: { host: 'api.example.com', authorization: 'Bearer x', 'content-type': 'application/json' },
  requestContext: { accountId: '1', apiId: 'a', domainName: 'api.example.com', domainPrefix: 'api', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: 'r', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0 },
  body: method === 'GET' ? undefined : '{"status":"resolved"}',
  isBase64Encoded: false,
});
/** A mix: static, parameterised (deep in the list), 404 and 405. */
const MIX = [
  event('GET', '/health'),
  event('GET', '/v1/tickets', 'status=open&limit=25'),
  event('GET', `/v1/tickets/${ID}`),
  event('PATCH', `/v1/tickets/${ID}`),
  event('GET', `/v1/tickets/${ID}/events`, 'limit=50'),
  event('GET', `/v1/contacts/${ID}/export`),
  event('GET', '/nope'),
  event('DELETE', '/v1/tickets'),
];

interface Figures {
  readonly bundleBytes: number;
  /** Bytes of the router's own inputs: the library's packages, or functions/routing.ts (spec.ts and http.ts, which all use, not counted). */
  readonly routerBytes: number;
  readonly routerInputs: Record<string, number>;
  readonly initMs: number;
  readonly usPerRequest: number;
  readonly usPerRequestRuns: number[];
  /** Status per request of the mix, to show what each answers for 404 and 405. */
  readonly statuses: number[];
}

const owner = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input;

async function bundle(name: Name): Promise<{ file: string; bytes: number; inputs: Record<string, number> }> {
  mkdirSync(join(outDir, name), { recursive: true });
  const file = join(outDir, name, 'index.mjs');
  const opts = esbuildOptions('unused', file, { splitting: false }); // stdin has no entry name to split by
  const { entryPoints: _e, ...rest } = opts;
  const r = await build({ ...rest, stdin: { contents: ENTRIES[name], resolveDir: root, loader: 'ts', sourcefile: `${name}.ts` }, metafile: true, absWorkingDir: root });
  const inputs: Record<string, number> = {};
  let bytes = 0;
  for (const out of Object.values(r.metafile.outputs)) {
    bytes += out.bytes;
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) inputs[owner(input)] = (inputs[owner(input)] ?? 0) + bytesInOutput;
  }
  return { file, bytes, inputs };
}

const isRouter = (name: Name, input: string) =>
  name === 'ours' ? input === 'functions/routing.ts' : name === 'ours-precompiled' ? input === 'ours-precompiled.ts' : name === 'powertools' ? input.startsWith('@aws-lambda-powertools/') : input.startsWith('@middy/');

/** Import time of a bundle in a fresh process, ms. */
async function initMs(file: string): Promise<number> {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env['PATH'] ?? '' } });
  return Number(stdout);
}

type Route = (e: unknown) => Promise<{ statusCode?: number }>;

/** µs per request of each router; rounds interleave the routers so a busy machine slows them alike. */
async function timePerRequest(routes: Record<string, Route>, rounds: number, perRound: number): Promise<Record<string, number[]>> {
  const runs: Record<string, number[]> = {};
  for (const [name, route] of Object.entries(routes)) {
    runs[name] = [];
    for (let i = 0; i < 3000; i++) await route(MIX[i % MIX.length]); // warm up the JIT
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, route] of Object.entries(routes)) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) await route(MIX[i % MIX.length]);
      runs[name]!.push(round(((performance.now() - t0) * 1000) / perRound, 2));
    }
  }
  return runs;
}

const names = Object.keys(ENTRIES) as Name[];
const built = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await bundle(n)] as const)));
const routes: Record<string, Route> = {};
for (const n of names) routes[n] = ((await import(pathToFileURL(built[n]!.file).href)) as { route: Route }).route;
const timing = await timePerRequest(routes, args.quick ? 3 : 11, args.quick ? 2000 : 20_000);
const inits: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < (args.quick ? 3 : 9); i++) for (const n of names) inits[n]!.push(await initMs(built[n]!.file));
const results: Record<string, Figures> = {};
for (const name of names) {
  const b = built[name]!;
  const routerInputs = Object.fromEntries(Object.entries(b.inputs).filter(([k]) => isRouter(name, k)));
  results[name] = {
    bundleBytes: b.bytes,
    routerBytes: Object.values(routerInputs).reduce((s, n) => s + n, 0),
    routerInputs,
    initMs: round(median(inits[name]!), 1),
    usPerRequest: median(timing[name]!),
    usPerRequestRuns: timing[name]!,
    statuses: await Promise.all(MIX.map(async (e) => (await routes[name]!(e)).statusCode ?? 200)),
  };
}

const out = { when: new Date().toISOString(), node: process.version, mix: MIX.map((e) => `${e.requestContext.http.method} ${e.rawPath}`), results };
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(new URL('routing-latest.json', RESULTS_DIR), `${JSON.stringify(out, null, 2)}\n`);
console.log('router            bundle (KB)  router bytes (KB)  init (ms)  µs/request (median)  statuses of the mix');
for (const [name, f] of Object.entries(results)) {
  console.log(
    `${name.padEnd(17)} ${(f.bundleBytes / 1000).toFixed(1).padStart(11)}  ${(f.routerBytes / 1000).toFixed(1).padStart(17)}  ${String(f.initMs).padStart(9)}  ${String(f.usPerRequest).padStart(19)}  ${f.statuses.join(' ')}`,
  );
}
console.log(`mix: ${out.mix.join(', ')}\nfull figures: bench/results/routing-latest.json`);
