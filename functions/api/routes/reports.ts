/** Report routes: response times (scope reports:read). */
import * as z from 'zod';
import { MAX_REPORT_DAYS, responseTimeReport } from '../../core/services/reports.ts';
import { satisfactionReport } from '../../core/services/satisfaction.ts';
import { SURVEY_KINDS } from '../../core/follow-ups/surveys.ts';
import { CHANNELS } from '../../core/types.ts';
import { json } from '../../http.ts';
import { ReportSchema } from '../report-responses.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const DAY = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a date');

/** A report's days: `from` ≤ `to`, at most MAX_REPORT_DAYS of them. */
function dayRange(q: { from: string; to: string }, ctx: z.RefinementCtx): void {
  if (q.from > q.to) ctx.addIssue({ code: 'custom', message: 'from must not be after to', path: ['from'] });
  else if ((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 >= MAX_REPORT_DAYS) ctx.addIssue({ code: 'custom', message: `a report covers at most ${MAX_REPORT_DAYS} days`, path: ['to'] });
}

export const ReportQuerySchema = z
  .object({ from: DAY, to: DAY, groupBy: z.enum(['channel', 'priority', 'channel,priority']).default('channel') })
  .strict()
  .superRefine(dayRange);

const SatisfactionReportSchema = z
  .object({
    from: z.string().meta({ example: '2026-11-01' }),
    to: z.string().meta({ example: '2026-11-30' }),
    groups: z.array(
      z.object({
        channel: z.enum(CHANNELS),
        kind: z.enum(SURVEY_KINDS),
        count: z.int().min(0),
        mean: z.number().nullable(),
        distribution: z.record(z.string(), z.int()).meta({ description: 'Ratings per score, every score of the scale present.' }),
        headline: z.number().nullable().meta({ description: 'csat: % of 4-5; nps: % promoters (9-10) minus % detractors (0-6); ces: the mean.' }),
        headlineName: z.enum(['csatPercent', 'cesMean', 'nps']),
      }),
    ),
  })
  .meta({
    id: 'SatisfactionReport',
    description: 'Per channel and survey kind, the latest rating of each ticket rated in the range. Groups without ratings are left out.',
    example: {
      from: '2026-11-01',
      to: '2026-11-30',
      groups: [{ channel: 'sms', kind: 'csat', count: 4, mean: 3.75, distribution: { '1': 0, '2': 1, '3': 0, '4': 2, '5': 1 }, headline: 75, headlineName: 'csatPercent' }],
    },
  });

const SatisfactionQuerySchema = z.object({ from: DAY, to: DAY }).strict().superRefine(dayRange);

export const reportRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/reports/response-times',
    scope: 'reports:read',
    summary: 'Response-time report per channel and/or priority for a date range',
    responses: { 200: { description: 'The report.', schema: ReportSchema } },
    query: ReportQuerySchema,
    async handle({ deps, query, principal }) {
      return json(200, await responseTimeReport(deps, query, principal.channels));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/reports/satisfaction',
    scope: 'reports:read',
    summary: 'Satisfaction (CSAT, CES, NPS) per channel for a date range: count, mean, distribution, headline',
    responses: { 200: { description: 'The report.', schema: SatisfactionReportSchema } },
    query: SatisfactionQuerySchema,
    async handle({ deps, query, principal }) {
      return json(200, await satisfactionReport(deps, query, principal.channels));
    },
  }),
];
