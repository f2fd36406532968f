import { describe, expect, it, vi } from 'vitest';
import { API_ROUTES } from '../../functions/api/all-routes.ts';
import { LazyRoutes, ROUTE_MODULES, routeModuleOf } from '../../functions/api/route-modules.ts';
import { ROUTES } from '../../functions/spec.ts';

describe('route modules (api/route-modules.ts): each loaded on the first request it serves', () => {
  it('finds every route the api serves, the very declaration all-routes.ts lists (one module per path)', async () => {
    const lazy = new LazyRoutes();
    for (const r of API_ROUTES) expect(await lazy.find(r.method, r.path), `${r.method} ${r.path}`).toBe(r);
    // Every path the gateway sends to the api belongs to a module, and to one only.
    for (const r of ROUTES.filter((x) => x.fn === 'api')) {
      const owners = Object.entries(ROUTE_MODULES).filter(([, m]) => m.prefixes.some((p) => r.path === p || r.path.startsWith(`${p}/`)));
      expect(owners.map(([n]) => n), `${r.method} ${r.path}`).toHaveLength(1);
      expect(await lazy.find(r.method, r.path), `${r.method} ${r.path}`).toBeDefined();
    }
  });

  it('each module holds exactly the routes its prefixes own', async () => {
    for (const [name, m] of Object.entries(ROUTE_MODULES)) {
      const routes = await m.load();
      expect(routes.length, name).toBeGreaterThan(0);
      for (const r of routes) expect(routeModuleOf(r.path), `${r.method} ${r.path}`).toBe(name);
    }
    const total = (await Promise.all(Object.values(ROUTE_MODULES).map((m) => m.load()))).reduce((n, rs) => n + rs.length, 0);
    expect(total).toBe(API_ROUTES.length);
  });

  it('a prefix owns itself and what is under it, not a longer name', () => {
    expect(routeModuleOf('/v1/tickets')).toBe('tickets');
    expect(routeModuleOf('/v1/tickets/{id}/replies')).toBe('tickets');
    expect(routeModuleOf('/v1/ticketsX')).toBeUndefined();
    expect(routeModuleOf('/healthz')).toBeUndefined();
    expect(routeModuleOf('/v1/unknown')).toBeUndefined();
  });

  it('loads a module once for concurrent first requests, and again after a failed load', async () => {
    const real = ROUTE_MODULES.reports.load;
    const load = vi.fn(real);
    const lazy = new LazyRoutes();
    const swap = (f: typeof real) => Object.defineProperty(ROUTE_MODULES.reports, 'load', { value: f, configurable: true, writable: true });
    try {
      swap(load);
      const [a, b] = await Promise.all([lazy.find('GET', '/v1/reports/response-times'), lazy.find('GET', '/v1/reports/satisfaction')]);
      expect(a?.path).toBe('/v1/reports/response-times');
      expect(b?.path).toBe('/v1/reports/satisfaction');
      expect(load).toHaveBeenCalledTimes(1);

      const lazy2 = new LazyRoutes();
      swap(vi.fn(async () => Promise.reject(new Error('chunk failed to load'))));
      await expect(lazy2.find('GET', '/v1/reports/satisfaction')).rejects.toThrow('chunk failed to load');
      swap(load);
      expect((await lazy2.find('GET', '/v1/reports/satisfaction'))?.path).toBe('/v1/reports/satisfaction');
      expect(load).toHaveBeenCalledTimes(2);
    } finally {
      swap(real);
    }
  });
});
