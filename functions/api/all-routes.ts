/**
 * Every route the api function serves, loaded eagerly: for the OpenAPI document (built on the first
 * GET /openapi.json, in a chunk of its own) and the tests. Serving loads each module lazily instead
 * (route-modules.ts).
 */
import type { ApiRoute } from './route.ts';
import { adminRoutes } from './routes/admin.ts';
import { consoleRoutes } from './routes/console.ts';
import { contactRoutes } from './routes/contacts.ts';
import { eventFeedRoutes } from './routes/events-feed.ts';
import { metaRoutes } from './routes/meta.ts';
import { reportRoutes } from './routes/reports.ts';
import { ruleRoutes } from './routes/rules.ts';
import { surveyRoutes } from './routes/surveys.ts';
import { teamRoutes } from './routes/teams.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { webhookSubscriptionRoutes } from './routes/webhook-subscriptions.ts';

export const API_ROUTES: readonly ApiRoute<any, any>[] = [...metaRoutes, ...consoleRoutes, ...ticketRoutes, ...contactRoutes, ...reportRoutes, ...webhookSubscriptionRoutes, ...surveyRoutes, ...eventFeedRoutes, ...adminRoutes, ...ruleRoutes, ...teamRoutes];
