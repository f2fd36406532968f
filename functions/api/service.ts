/**
 * The REST API, independent of Lambda: find the route, authenticate and check its scope, parse its
 * query and body with its schemas, call its handler (functions/api/routes/*) with the caller's view
 * of the store (core/scoped-store.ts: a channel-restricted key sees only its channels). Routes live in
 * functions/spec.ts (what the gateway sends here) and in the route modules (what each does), each
 * loaded on the first request it serves (route-modules.ts; all-routes.ts lists them all).
 */
import type { Config } from '../config.ts';
import { ApiKeyAuthenticator, requireScope, type Principal } from '../core/auth.ts';
import { ClientError } from '../core/errors.ts';
import type { CoreDeps } from '../core/ports.ts';
import { storeFor } from '../core/scoped-store.ts';
import { clientErrorResponse, errorBody, json, type HttpRequest, type HttpResponse } from '../http.ts';
import { findRoute } from '../routing.ts';
import { jsonBody, parse, queryObject } from './request.ts';
import { LazyRoutes } from './route-modules.ts';

const ANONYMOUS: Principal = { name: 'anonymous', scopes: new Set() };

export class ApiService {
  readonly #auth: ApiKeyAuthenticator;
  readonly #deps: CoreDeps;
  /** Each route module is loaded on the first request it serves (route-modules.ts). */
  readonly #routes = new LazyRoutes();

  constructor(deps: CoreDeps, config: Config) {
    this.#deps = deps;
    this.#auth = new ApiKeyAuthenticator(config.apiKeys);
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.#route(req);
    } catch (e) {
      if (e instanceof ClientError) return clientErrorResponse(e);
      throw e;
    }
  }

  async #route(req: HttpRequest): Promise<HttpResponse> {
    // Unknown routes and methods reach this function too (the gateway's default route): a known
    // path with another method is a 405 with Allow (webhook paths included), anything else a 404.
    const m = findRoute(req.method, req.path, 'api');
    const any = m.kind === 'match' ? m : findRoute(req.method, req.path);
    if (any.kind === 'method-not-allowed') {
      return json(405, errorBody('method_not_allowed', `Use ${any.allowed.join(', ')} on ${req.path}.`), { allow: any.allowed.join(', ') });
    }
    const route = m.kind === 'match' ? await this.#routes.find(m.route.method, m.route.path) : undefined;
    if (m.kind !== 'match' || !route) return json(404, errorBody('not_found', `No route ${req.method} ${req.path}.`));
    let principal = ANONYMOUS;
    let deps = this.#deps;
    if (route.scope) {
      principal = this.#auth.authenticate(req.headers['authorization']);
      requireScope(principal, route.scope);
      // The caller's view of the store: its channels only, its name on every event it writes.
      deps = { ...this.#deps, store: storeFor(this.#deps.store, principal) };
    }
    if (route.prepare) await route.prepare();
    const query = route.query ? parse(route.query, queryObject(req), 'invalid_query', 'The query string') : undefined;
    const body = route.body ? parse(route.body, jsonBody(req), 'invalid_body', 'The body') : undefined;
    return route.handle({ deps, req, params: { ...m.params, ...req.pathParams }, principal, query, body });
  }
}
