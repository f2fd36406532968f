/**
 * One REST route: its method and path (as in functions/spec.ts), the scope it needs, its request
 * schemas, its responses and its handler. The service authenticates, checks the scope and parses the
 * query and the body with these schemas before the handler runs; the OpenAPI document
 * (functions/api/openapi.ts) is generated from the same declarations, and the integration tests
 * check every answer against it (test/helpers/contract.ts).
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

/** One success answer: its body schema (functions/api/responses.ts), what it means, an example. */
export interface ResponseSpec {
  readonly description: string;
  /** The body; none for an empty answer. */
  readonly schema?: z.ZodType;
  /** Default `application/json`. */
  readonly contentType?: string;
  /** An example body; defaults to the schema's own (`.meta({ example })`). */
  readonly example?: unknown;
  /** Response headers the answer carries: name → meaning. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Error statuses a route answers beyond those its declaration implies; every error has the shared
 * body (`{"error":{"code","message","details"}}`). Implied: 400 with a query or body schema, 415 with a
 * body, 401 and 403 with a scope, 404 with a path parameter, 412 (and 400) with ifMatch, 500 always.
 */
export type ErrorStatus = 400 | 404 | 409 | 410 | 412 | 413 | 415 | 422 | 429;

export interface ApiRoute<Q = unknown, B = unknown> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** The scope a key needs; undefined for public routes (health, the OpenAPI document). */
  readonly scope?: Scope;
  readonly summary: string;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** Does the route honour If-Match (documented in OpenAPI)? */
  readonly ifMatch?: boolean;
  /** Other request headers the route reads (documentation; the handler checks them). */
  readonly headers?: z.ZodObject;
  /** A request body example for the document. */
  readonly bodyExample?: unknown;
  /** Success answers by status. Routes without it are reported by the contract test, not checked. */
  readonly responses?: Readonly<Partial<Record<200 | 201 | 202 | 204, ResponseSpec>>>;
  /** Error statuses beyond the implied ones (see ErrorStatus), each with when it happens. */
  readonly errors?: Readonly<Partial<Record<ErrorStatus, string>>>;
  /**
   * Awaited after authentication, before the query and body are parsed: loads what the schemas'
   * synchronous checks need (e.g. RE2 for rule patterns, core/rules/text.ts loadRe2).
   */
  readonly prepare?: () => Promise<void>;
  handle(ctx: RouteContext<Q, B>): Promise<HttpResponse>;
}

/** Keeps each route's query and body types tied to its schemas. */
export const defineRoute = <Q = undefined, B = undefined>(route: ApiRoute<Q, B>): ApiRoute<Q, B> => route;
