/** Ticket routes: list, read, update, reply, note, event log. */
import * as z from 'zod';
import { agentActor } from '../../core/agent-actions.ts';
import { ClientError } from '../../core/errors.ts';
import { addNote, getTicketWithMessages, listTicketEvents, listTickets, patchTicket, replyToTicket } from '../../core/services/tickets.ts';
import { CHANNELS, PRIORITIES, TICKET_STATUSES } from '../../core/types.ts';
import { json } from '../../http.ts';
import { LIST_SORTS } from '../../core/ticket-query.ts';
import { cleanText, etag, idParam, ifMatchVersion, ULID } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { EXAMPLE_MESSAGE, EventListSchema, MessageEnvelopeSchema, TicketEnvelopeSchema, TicketListSchema, TicketWithMessagesSchema } from '../responses.ts';
import { eventView, messageView, ticketDetailView, ticketView } from '../views.ts';

/** GET /v1/tickets: every parameter filters (combine freely); unknown parameters are a 400. */
export const ListQuerySchema = z
  .object({
    status: z
      .string()
      .max(100)
      .transform((s) => s.split(','))
      .pipe(z.array(z.enum(TICKET_STATUSES)).min(1))
      .optional()
      .meta({ description: `Comma list of ${TICKET_STATUSES.join(', ')}.` }),
    channel: z.enum(CHANNELS).optional(),
    priority: z.enum(PRIORITIES).optional(),
    assignee: z
      .string()
      .transform(cleanText)
      .pipe(z.string().trim().min(1).max(200))
      .optional()
      .meta({ description: 'An assignee’s name, or `none` for unassigned tickets.' }),
    tag: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(64)).optional(),
    contactId: z.string().regex(ULID, 'contactId must be a contact id').optional(),
    language: z
      .string()
      .regex(/^[a-zA-Z]{2,3}$/, 'language must be an ISO 639-1 or 639-3 code, or und')
      .transform((s) => s.toLowerCase())
      .optional()
      .meta({ description: 'The language of the ticket’s first customer message: ISO 639-1 (`cy`, `ha`, `tr`), ISO 639-3 where none exists, or `und` (not detected).' }),
    updatedSince: z.iso.datetime({ offset: true }).optional().meta({ description: 'ISO time: tickets changed at or after it.' }),
    sort: z
      .enum(LIST_SORTS)
      .default('-lastMessageAt')
      .meta({ description: '`slaDueAt`: nearest active SLA due first, tickets without one last. `updatedAt`: sync, oldest change first, always with a nextCursor.' }),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

const EventsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(1024).optional(),
  })
  .strict();

export const ReplySchema = z
  .object({
    text: z.string().transform(cleanText).pipe(z.string().trim().min(1, 'text must not be empty').max(4096)),
    author: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(200)).optional(),
  })
  .strict();

export const PatchSchema = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    assignee: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(200)).nullable().optional(),
    tags: z.array(z.string().transform(cleanText).pipe(z.string().trim().min(1).max(64))).max(50).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of status, priority, assignee, tags');

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

export const ticketRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/tickets',
    scope: 'tickets:read',
    summary: 'List tickets',
    responses: { 200: { description: 'A page of tickets in the sort asked for (default: latest activity first). At most 500 index items are read per page, so a page may hold fewer than `limit` and still have a nextCursor.', schema: TicketListSchema } },
    query: ListQuerySchema,
    async handle({ deps, query, principal }) {
      const page = await listTickets(deps, { ...query, allowedChannels: principal.channels });
      return json(200, { tickets: page.tickets.map(ticketView), nextCursor: page.nextCursor ?? null });
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/tickets/{id}',
    scope: 'tickets:read',
    summary: 'Read a ticket with its messages, SLA targets and measures',
    responses: { 200: { description: 'The ticket and its messages.', schema: TicketWithMessagesSchema, headers: { ETag: 'The version, for If-Match.' } } },
    async handle({ deps, params }) {
      const { ticket, messages } = await getTicketWithMessages(deps, idParam(params, 'ticket'));
      const views = await Promise.all(
        messages.map(async (m) => {
          const v = messageView(m);
          // Stored attachments get a short-lived download URL; the bucket stays private.
          const attachments = await Promise.all(
            m.attachments.map(async (a, i) => (a.key ? { ...v.attachments[i], downloadUrl: await deps.attachments.downloadUrl(a.key, a.name) } : v.attachments[i])),
          );
          const fullTextUrl = m.fullTextKey ? await deps.attachments.downloadUrl(m.fullTextKey, 'body.txt') : null;
          const htmlUrl = m.email?.htmlKey ? await deps.attachments.downloadUrl(m.email.htmlKey, 'body.html') : null;
          return { ...v, attachments, fullTextUrl, ...(v.email ? { email: { ...v.email, htmlUrl } } : {}) };
        }),
      );
      return json(200, { ticket: ticketDetailView(ticket), messages: views }, etag(ticket.version));
    },
  }),

  defineRoute({
    method: 'PATCH',
    path: '/v1/tickets/{id}',
    scope: 'tickets:write',
    summary: 'Change status, priority, assignee or tags',
    responses: { 200: { description: 'The ticket after the change.', schema: TicketEnvelopeSchema, headers: { ETag: 'The new version.' } } },
    errors: { 409: 'The ticket is closed and cannot change status.' },
    bodyExample: { status: 'resolved', assignee: 'ana', tags: ['refund'] },
    body: PatchSchema,
    ifMatch: true,
    async handle({ deps, req, params, principal, body }) {
      const t = await patchTicket(deps, idParam(params, 'ticket'), body, `api:${principal.name}`, ifMatchVersion(req));
      return json(200, { ticket: ticketView(t) }, etag(t.version));
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/tickets/{id}/replies',
    scope: 'tickets:write',
    summary: 'Reply to the customer on the ticket’s channel',
    responses: {
      201: { description: 'The reply, queued for delivery.', schema: MessageEnvelopeSchema },
      200: { description: 'A repeat of an earlier request with the same Idempotency-Key: the first reply.', schema: MessageEnvelopeSchema, headers: { 'Idempotent-Replayed': '`true`' } },
    },
    errors: { 400: 'An Idempotency-Key that is not 1-128 printable ASCII characters.', 409: 'The ticket is closed.', 422: 'The Idempotency-Key was used for a different reply.' },
    headers: z.object({ 'Idempotency-Key': z.string().regex(IDEMPOTENCY_KEY).optional().meta({ description: 'Makes a retry safe: the same key answers the first reply (200).' }) }),
    bodyExample: { text: 'Thanks, we are on it.', author: 'Ana' },
    body: ReplySchema,
    ifMatch: true,
    async handle({ deps, req, params, principal, body }) {
      const id = idParam(params, 'ticket');
      const key = req.headers['idempotency-key'];
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new ClientError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-128 printable ASCII characters.');
      }
      const r = await replyToTicket(deps, id, body, agentActor(body.author, principal.name), key, ifMatchVersion(req));
      return json(r.replayed ? 200 : 201, { message: messageView(r.message) }, r.replayed ? { 'idempotent-replayed': 'true' } : {});
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/tickets/{id}/notes',
    scope: 'tickets:write',
    summary: 'Add an internal note (never sent to the customer)',
    responses: { 201: { description: 'The note.', schema: MessageEnvelopeSchema, example: { message: { ...EXAMPLE_MESSAGE, direction: 'note', deliveryStatus: null, to: EXAMPLE_MESSAGE.ticketId, text: 'Customer called, refund approved.', from: 'Ana' } } } },
    bodyExample: { text: 'Customer called, refund approved.', author: 'Ana' },
    body: ReplySchema,
    ifMatch: true,
    async handle({ deps, req, params, principal, body }) {
      const note = await addNote(deps, idParam(params, 'ticket'), body, agentActor(body.author, principal.name), ifMatchVersion(req));
      return json(201, { message: messageView(note) });
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/tickets/{id}/events',
    scope: 'tickets:read',
    summary: 'A ticket’s event log, oldest first',
    responses: { 200: { description: 'A page of events, oldest first.', schema: EventListSchema } },
    query: EventsQuerySchema,
    async handle({ deps, params, query }) {
      const page = await listTicketEvents(deps, idParam(params, 'ticket'), query.limit, query.cursor);
      return json(200, { events: page.events.map(eventView), nextCursor: page.nextCursor });
    },
  }),
];
