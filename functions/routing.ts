/** Path templates in API Gateway syntax (`/v1/tickets/{id}`), matched against request paths. */
import { ROUTES, type RouteSpec } from './spec.ts';

export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (!p[i]) return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(p[i]!);
      } catch {
        return undefined;
      }
    } else if (seg !== p[i]) return undefined;
  }
  return params;
}

export type RouteMatch =
  | { readonly kind: 'match'; readonly route: RouteSpec; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

/** Find the route for a request among ROUTES (optionally only one function's). */
export function findRoute(method: string, path: string, fn?: RouteSpec['fn']): RouteMatch {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    if (fn && route.fn !== fn) continue;
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) return { kind: 'match', route, params };
    allowed.push(route.method);
  }
  return allowed.length ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
}
