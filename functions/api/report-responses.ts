/** The response-time report's shape (GET /v1/reports/response-times), as core/reports.ts builds it. */
import * as z from 'zod';
import { CHANNELS, PRIORITIES } from '../core/types.ts';

const nullable = <T extends z.ZodType>(s: T) => s.nullable();

const summary = {
  count: z.int().min(0),
  mean: nullable(z.number()).meta({ description: 'Seconds.' }),
  p50: nullable(z.number()),
  p90: nullable(z.number()),
  p95: nullable(z.number()),
};
const measureReport = z.object({ ...summary, business: z.object(summary) }).meta({ id: 'MeasureReport' });
const slaCount = z.object({ met: z.int().min(0), breached: z.int().min(0), rate: nullable(z.number().min(0).max(1)) }).meta({ id: 'SlaCount' });
const emptySummary = { count: 0, mean: null, p50: null, p90: null, p95: null };
const emptyMeasure = { ...emptySummary, business: emptySummary };

export const ReportSchema = z
  .object({
    from: z.string().meta({ example: '2026-11-01' }),
    to: z.string().meta({ example: '2026-11-30' }),
    groupBy: z.enum(['channel', 'priority', 'channel,priority']),
    groups: z.array(
      z.object({
        channel: z.enum(CHANNELS).optional(),
        priority: z.enum(PRIORITIES).optional(),
        firstReply: measureReport,
        nextReply: measureReport,
        firstResolution: measureReport,
        fullResolution: measureReport,
        sla: z.object({ firstReply: slaCount, nextReply: slaCount, resolution: slaCount }),
      }),
    ),
  })
  .meta({
    id: 'ResponseTimeReport',
    description: 'Groups without any sample in the range are left out.',
    example: {
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: 'channel',
      groups: [
        {
          channel: 'sms',
          firstReply: { count: 2, mean: 90, p50: 60.3, p90: 119.6, p95: 119.6, business: emptySummary },
          nextReply: emptyMeasure,
          firstResolution: emptyMeasure,
          fullResolution: emptyMeasure,
          sla: { firstReply: { met: 2, breached: 0, rate: 1 }, nextReply: { met: 0, breached: 0, rate: null }, resolution: { met: 0, breached: 0, rate: null } },
        },
      ],
    },
  });
