/**
 * One REST route: its method and path (as in functions/spec.ts), the scope it needs, its request
 * schemas and its handler. The service authenticates, checks the scope and parses the query and the
 * body with these schemas before the handler runs; the OpenAPI document is generated from them.
 */
import type * as z from 'zod';
import type { Principal, Scope } from '../core/auth.ts';
import type { CoreDeps } from '../core/ports.ts';
import type { HttpRequest, HttpResponse } from '../http.ts';

export interface RouteContext<Q, B> {
  readonly deps: CoreDeps;
  readonly req: HttpRequest;
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The caller, when the route needs a scope. */
  readonly principal: Principal;
  readonly query: Q;
  readonly body: B;
}

export interface ApiRoute<Q = unknown, B = unknown> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** The scope a key needs; undefined for public routes (health, the OpenAPI document). */
  readonly scope?: Scope;
  readonly summary: string;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** Does the route honour If-Match (documented in OpenAPI)? */
  readonly ifMatch?: boolean;
  handle(ctx: RouteContext<Q, B>): Promise<HttpResponse>;
}

/** Keeps each route's query and body types tied to its schemas. */
export const defineRoute = <Q = undefined, B = undefined>(route: ApiRoute<Q, B>): ApiRoute<Q, B> => route;
