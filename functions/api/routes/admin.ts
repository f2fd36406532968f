/** Operator routes (scope admin): POST /v1/admin/redrive moves a queue's dead letters back to it. */
import * as z from 'zod';
import { queueIdOf, QUEUE_NAMES, redrive } from '../../core/redrive.ts';
import { json } from '../../http.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

/** One call moves at most this many, within this time (the api Lambda has 10 s); `more` says to call again. */
const MAX_PER_CALL = 500;
const TIME_BUDGET_MS = 6_000;

const RedriveBody = z
  .object({
    queue: z.enum(QUEUE_NAMES as [string, ...string[]]).meta({ description: `One of ${QUEUE_NAMES.join(', ')}.` }),
    dryRun: z.boolean().default(false),
  })
  .strict();

const MovedSchema = z.object({ id: z.string(), kind: z.string().nullable(), reason: z.string().nullable(), deadLetteredAt: z.string().nullable() });
const RedriveSchema = z
  .object({
    queue: z.string(),
    dryRun: z.boolean(),
    waiting: z.int().min(0).meta({ description: 'Messages in the DLQ (SQS’s approximate count; after the move unless a dry run).' }),
    moved: z.int().min(0),
    failed: z.int().min(0).meta({ description: 'Messages the source queue refused; they stay in the DLQ.' }),
    more: z.boolean().meta({ description: `The call stopped at its bound (${MAX_PER_CALL} messages or ${TIME_BUDGET_MS / 1000} s) or at a failure with messages left: call again.` }),
    messages: z.array(MovedSchema).meta({ description: 'What was moved (first 100); in a dry run, a peek at up to 10.' }),
  })
  .meta({
    id: 'RedriveResult',
    example: { queue: 'follow-up', dryRun: false, waiting: 0, moved: 1, failed: 0, more: false, messages: [{ id: '5fea7756-0ea4-451a-a703-a558b933e274', kind: 'ack', reason: 'invalid_job', deadLetteredAt: '2026-11-25T09:30:00.000Z' }] },
  });

export const adminRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/admin/redrive',
    scope: 'admin',
    summary: 'Move a queue’s dead letters back to the queue (or count them with dryRun)',
    body: RedriveBody,
    bodyExample: { queue: 'follow-up', dryRun: true },
    responses: { 200: { description: 'What was moved (or, with dryRun, what is waiting).', schema: RedriveSchema } },
    errors: { 409: 'The queue or its DLQ is not configured in this deployment.' },
    async handle({ deps, body }) {
      const port = deps.deadLetterQueues;
      if (!port) throw new Error('deadLetterQueues is not wired in this function');
      const now = () => deps.clock.now().getTime();
      const result = await redrive(port, queueIdOf(body.queue)!, { dryRun: body.dryRun, maxMessages: MAX_PER_CALL, deadline: now() + TIME_BUDGET_MS, now });
      deps.log.info('redrive', { queue: result.queue, dryRun: result.dryRun, moved: result.moved, failed: result.failed });
      return json(200, result);
    },
  }),
];
