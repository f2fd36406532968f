/** Ticket routes: list, read, update, reply, note, event log. */
import * as z from 'zod';
import { agentActor } from '../../core/agent-actions.ts';
import { ClientError } from '../../core/errors.ts';
import { addNote, getTicketWithMessages, listTicketEvents, listTickets, patchTicket, replyToTicket } from '../../core/services/tickets.ts';
import { CHANNELS, PRIORITIES, TICKET_STATUSES } from '../../core/types.ts';
import { json } from '../../http.ts';
import { cleanText, etag, idParam, ifMatchVersion } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { eventView, messageView, ticketDetailView, ticketView } from '../views.ts';

export const ListQuerySchema = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    channel: z.enum(CHANNELS).optional(),
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
    query: ListQuerySchema,
    async handle({ deps, query }) {
      const page = await listTickets(deps, query);
      return json(200, { tickets: page.tickets.map(ticketView), nextCursor: page.nextCursor ?? null });
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/tickets/{id}',
    scope: 'tickets:read',
    summary: 'Read a ticket with its messages, SLA targets and measures',
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
    query: EventsQuerySchema,
    async handle({ deps, params, query }) {
      const page = await listTicketEvents(deps, idParam(params, 'ticket'), query.limit, query.cursor);
      return json(200, { events: page.events.map(eventView), nextCursor: page.nextCursor });
    },
  }),
];
