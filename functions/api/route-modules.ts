/**
 * Which route module serves a path, loaded on the first request it serves: the api function's
 * bundle keeps each module (its handlers, request and response schemas and the services behind
 * them) in a chunk of its own, so a cold start parses only what its request needs. Routing itself
 * (404, 405 with Allow) needs none of them: it reads functions/spec.ts.
 *
 * A module is chosen by the route's path template: a prefix owns the path itself and everything
 * under it. all-routes.ts lists the same routes eagerly, for the OpenAPI document and the tests;
 * test/unit/route-modules.test.ts checks that every route there is found here, and only there.
 */
import type { ApiRoute } from './route.ts';

type Routes = readonly ApiRoute<any, any>[];

export const ROUTE_MODULES = {
  meta: { prefixes: ['/health', '/openapi.json'], load: async (): Promise<Routes> => (await import('./routes/meta.ts')).metaRoutes },
  console: { prefixes: ['/console'], load: async (): Promise<Routes> => (await import('./routes/console.ts')).consoleRoutes },
  tickets: { prefixes: ['/v1/tickets'], load: async (): Promise<Routes> => (await import('./routes/tickets.ts')).ticketRoutes },
  contacts: { prefixes: ['/v1/contacts'], load: async (): Promise<Routes> => (await import('./routes/contacts.ts')).contactRoutes },
  reports: { prefixes: ['/v1/reports'], load: async (): Promise<Routes> => (await import('./routes/reports.ts')).reportRoutes },
  webhookSubscriptions: { prefixes: ['/v1/webhook-subscriptions'], load: async (): Promise<Routes> => (await import('./routes/webhook-subscriptions.ts')).webhookSubscriptionRoutes },
  surveys: { prefixes: ['/surveys', '/unsubscribe'], load: async (): Promise<Routes> => (await import('./routes/surveys.ts')).surveyRoutes },
  events: { prefixes: ['/v1/events'], load: async (): Promise<Routes> => (await import('./routes/events-feed.ts')).eventFeedRoutes },
  admin: { prefixes: ['/v1/admin'], load: async (): Promise<Routes> => (await import('./routes/admin.ts')).adminRoutes },
  rules: { prefixes: ['/v1/rules'], load: async (): Promise<Routes> => (await import('./routes/rules.ts')).ruleRoutes },
  teams: { prefixes: ['/v1/teams', '/v1/agents'], load: async (): Promise<Routes> => (await import('./routes/teams.ts')).teamRoutes },
} as const;

export type RouteModuleName = keyof typeof ROUTE_MODULES;

/** The module owning a route's path template, if any. */
export function routeModuleOf(path: string): RouteModuleName | undefined {
  for (const [name, m] of Object.entries(ROUTE_MODULES) as Array<[RouteModuleName, (typeof ROUTE_MODULES)[RouteModuleName]]>) {
    if (m.prefixes.some((p) => path === p || path.startsWith(`${p}/`))) return name;
  }
  return undefined;
}

/**
 * Loads each module once per container, as a map of `METHOD path` to route. A load that fails
 * (a 500 for that request, logged) is tried again on the next request; a module whose own top-level
 * code throws stays failed, since Node keeps the module's error (route modules only declare routes).
 */
export class LazyRoutes {
  readonly #loaded = new Map<RouteModuleName, Promise<ReadonlyMap<string, ApiRoute<any, any>>>>();

  /** The route declared for this method and path template, loading its module on first use. */
  async find(method: string, path: string): Promise<ApiRoute<any, any> | undefined> {
    const name = routeModuleOf(path);
    if (!name) return undefined;
    let routes = this.#loaded.get(name);
    if (!routes) {
      routes = ROUTE_MODULES[name].load().then((rs) => new Map(rs.map((r) => [`${r.method} ${r.path}`, r])));
      this.#loaded.set(name, routes);
      routes.catch(() => this.#loaded.delete(name));
    }
    return (await routes).get(`${method} ${path}`);
  }
}
