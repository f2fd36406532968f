/** The operator console: a static page that calls the public REST API (issue 14). */
import type { ApiRoute } from '../route.ts';

export const consoleRoutes: readonly ApiRoute<any, any>[] = [];
