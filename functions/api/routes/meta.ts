/** Public routes: health. */
import { json } from '../../http.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

export const metaRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/health',
    summary: 'Liveness: the function answers',
    async handle({ deps }) {
      return json(200, { status: 'ok', time: deps.clock.now().toISOString() });
    },
  }),
];
