/** GET /v1/events: the change feed, every ticket's events oldest first (scope tickets:read). */
import * as z from 'zod';
import { EVENT_TYPES, FEED } from '../../core/event-feed.ts';
import { readEventFeed } from '../../core/services/event-feed.ts';
import { json } from '../../http.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { EventSchema } from '../responses.ts';
import { eventView } from '../views.ts';

export const FeedQuerySchema = z
  .object({
    after: z.string().min(1).max(1024).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: `First call only: start at events recorded at or after this time (default: ${FEED.defaultLookbackMs / 3600_000} hours ago).` }),
    types: z
      .string()
      .max(1000)
      .transform((s) => s.split(','))
      .pipe(z.array(z.enum(EVENT_TYPES)).min(1))
      .optional()
      .meta({ description: `Comma list of event types: ${EVENT_TYPES.join(', ')}.` }),
    limit: z.coerce.number().int().min(1).max(FEED.maxLimit).default(FEED.defaultLimit).meta({ description: 'Events examined per page (before `types`).' }),
  })
  .strict();

const FeedSchema = z
  .object({
    events: z.array(EventSchema),
    nextCursor: z.string().meta({ description: 'Always present: pass as `after` for the next page (the feed has no end). Opaque.' }),
    caughtUp: z.boolean().meta({ description: `True when the page reached the events that settled (older than ${FEED.settleMs / 1000} s): poll again later.` }),
  })
  .meta({ id: 'EventFeed', example: { events: [EventSchema.meta()?.['example']], nextCursor: 'eyJrIjoiZmVlZCIs…', caughtUp: true } });

export const eventFeedRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    scope: 'tickets:read',
    summary: 'The change feed: every ticket’s events, oldest first, resumable with a cursor',
    query: FeedQuerySchema,
    responses: { 200: { description: `Events older than ${FEED.settleMs / 1000} s, in the order they were recorded; a channel-restricted key sees only its channels.`, schema: FeedSchema } },
    async handle({ deps, query }) {
      const page = await readEventFeed(deps, { after: query.after, since: query.since, types: query.types, limit: query.limit });
      return json(200, { events: page.events.map(eventView), nextCursor: page.nextCursor, caughtUp: page.caughtUp });
    },
  }),
];
