/** Report routes: response times (scope reports:read). */
import * as z from 'zod';
import { MAX_REPORT_DAYS, responseTimeReport } from '../../core/services/reports.ts';
import { json } from '../../http.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const DAY = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a date');

export const ReportQuerySchema = z
  .object({
    from: DAY,
    to: DAY,
    groupBy: z.enum(['channel', 'priority', 'channel,priority']).default('channel'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_REPORT_DAYS, { message: `a report covers at most ${MAX_REPORT_DAYS} days`, path: ['to'] });

export const reportRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/reports/response-times',
    scope: 'reports:read',
    summary: 'Response-time report per channel and/or priority for a date range',
    query: ReportQuerySchema,
    async handle({ deps, query }) {
      return json(200, await responseTimeReport(deps, query));
    },
  }),
];
