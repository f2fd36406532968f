/** The REST API, independent of Lambda: route, authenticate, validate, call the core. */
import * as z from 'zod';
import type { Config } from '../config.ts';
import { ApiKeyAuthenticator, requireScope, type Scope } from '../core/auth.ts';
import { ClientError } from '../core/errors.ts';
import type { CoreDeps } from '../core/ports.ts';
import { agentActor } from '../core/agent-actions.ts';
import { responseTimeReport } from '../core/services/reports.ts';
import { addNote, getTicketWithMessages, listTicketEvents, listTickets, patchTicket, replyToTicket } from '../core/services/tickets.ts';
import { CHANNELS, PRIORITIES, TICKET_STATUSES } from '../core/types.ts';
import { clientErrorResponse, errorBody, json, type HttpRequest, type HttpResponse } from '../http.ts';
import { findRoute } from '../routing.ts';
import { MAX_REPORT_DAYS } from '../core/services/reports.ts';
import { contactView, eventView, messageView, ticketDetailView, ticketView } from './views.ts';

/** Ticket and contact ids are ULIDs. */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const ListQuerySchema = z
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

const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a date');

const ReportQuerySchema = z
  .object({
    from: DAY,
    to: DAY,
    groupBy: z.enum(['channel', 'priority', 'channel,priority']).default('channel'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_REPORT_DAYS, { message: `a report covers at most ${MAX_REPORT_DAYS} days`, path: ['to'] });

/** Text from a client, repaired on write: lone surrogates become U+FFFD, control characters (but tab and newlines) go. */
const cleanText = (s: string) => s.toWellFormed().replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

const ReplySchema = z
  .object({
    text: z.string().transform(cleanText).pipe(z.string().trim().min(1, 'text must not be empty').max(4096)),
    author: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(200)).optional(),
  })
  .strict();

const PatchSchema = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    assignee: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(200)).nullable().optional(),
    tags: z.array(z.string().transform(cleanText).pipe(z.string().trim().min(1).max(64))).max(50).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of status, priority, assignee, tags');

const issues = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

function parse<T extends z.ZodType>(schema: T, value: unknown, code: string, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ClientError(400, code, `${what} is not valid.`, issues(r.error));
  return r.data;
}

function jsonBody(req: HttpRequest): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ClientError(415, 'unsupported_media_type', 'Send the body as application/json.');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new ClientError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

/** The ticket version a write is conditional on (`If-Match: "3"`, weak tags accepted), if any. */
function ifMatchVersion(req: HttpRequest): number | undefined {
  const ifMatch = req.headers['if-match'];
  if (ifMatch === undefined) return undefined;
  const version = Number(ifMatch.trim().replace(/^W\//, '').replaceAll('"', ''));
  if (!Number.isInteger(version) || version < 1) throw new ClientError(400, 'invalid_if_match', 'If-Match must be the ticket version as its ETag gives it, e.g. "3".');
  return version;
}

/** The ticket's version as an entity tag, for If-Match on the next write. */
const etag = (version: number) => ({ etag: `"${version}"` });

function ticketId(req: HttpRequest): string {
  const id = req.pathParams['id'] ?? '';
  if (!ULID.test(id)) throw new ClientError(404, 'not_found', `No ticket with id "${id.slice(0, 64)}".`);
  return id;
}

export class ApiService {
  readonly #auth: ApiKeyAuthenticator;
  readonly #deps: CoreDeps;

  constructor(deps: CoreDeps, config: Config) {
    this.#deps = deps;
    this.#auth = new ApiKeyAuthenticator(config.apiKeys);
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.#route(req);
    } catch (e) {
      if (e instanceof ClientError) return clientErrorResponse(e);
      throw e;
    }
  }

  /** The caller's key name, once its scope is checked. */
  #authorize(req: HttpRequest, scope: Scope): string {
    const principal = this.#auth.authenticate(req.headers['authorization']);
    requireScope(principal, scope);
    return principal.name;
  }

  async #route(req: HttpRequest): Promise<HttpResponse> {
    // Unknown routes and methods reach this function too (the gateway's default route): a known
    // path with another method is a 405 with Allow (webhook paths included), anything else a 404.
    const m = findRoute(req.method, req.path, 'api');
    const any = m.kind === 'match' ? m : findRoute(req.method, req.path);
    if (any.kind === 'method-not-allowed') {
      return json(405, errorBody('method_not_allowed', `Use ${any.allowed.join(', ')} on ${req.path}.`), { allow: any.allowed.join(', ') });
    }
    if (m.kind !== 'match') return json(404, errorBody('not_found', `No route ${req.method} ${req.path}.`));
    const withParams: HttpRequest = { ...req, pathParams: { ...m.params, ...req.pathParams } };
    const deps = this.#deps;
    switch (`${m.route.method} ${m.route.path}`) {
      case 'GET /health':
        return json(200, { status: 'ok', time: deps.clock.now().toISOString() });

      case 'GET /v1/tickets': {
        this.#authorize(req, 'tickets:read');
        const q = parse(ListQuerySchema, Object.fromEntries(req.query), 'invalid_query', 'The query string');
        const page = await listTickets(deps, q);
        return json(200, { tickets: page.tickets.map(ticketView), nextCursor: page.nextCursor ?? null });
      }

      case 'GET /v1/tickets/{id}': {
        this.#authorize(req, 'tickets:read');
        const { ticket, messages } = await getTicketWithMessages(deps, ticketId(withParams));
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
      }

      case 'PATCH /v1/tickets/{id}': {
        const keyName = this.#authorize(req, 'tickets:write');
        const id = ticketId(withParams);
        const body = parse(PatchSchema, jsonBody(req), 'invalid_body', 'The body');
        const t = await patchTicket(deps, id, body, `api:${keyName}`, ifMatchVersion(req));
        return json(200, { ticket: ticketView(t) }, etag(t.version));
      }

      case 'POST /v1/tickets/{id}/replies': {
        const keyName = this.#authorize(req, 'tickets:write');
        const id = ticketId(withParams);
        const body = parse(ReplySchema, jsonBody(req), 'invalid_body', 'The body');
        const key = req.headers['idempotency-key'];
        if (key !== undefined && !/^[\x21-\x7e]{1,128}$/.test(key)) {
          throw new ClientError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-128 printable ASCII characters.');
        }
        const r = await replyToTicket(deps, id, body, agentActor(body.author, keyName), key, ifMatchVersion(req));
        return json(r.replayed ? 200 : 201, { message: messageView(r.message) }, r.replayed ? { 'idempotent-replayed': 'true' } : {});
      }

      case 'POST /v1/tickets/{id}/notes': {
        const keyName = this.#authorize(req, 'tickets:write');
        const id = ticketId(withParams);
        const body = parse(ReplySchema, jsonBody(req), 'invalid_body', 'The body');
        const note = await addNote(deps, id, body, agentActor(body.author, keyName), ifMatchVersion(req));
        return json(201, { message: messageView(note) });
      }

      case 'GET /v1/tickets/{id}/events': {
        this.#authorize(req, 'tickets:read');
        const q = parse(EventsQuerySchema, Object.fromEntries(req.query), 'invalid_query', 'The query string');
        const page = await listTicketEvents(deps, ticketId(withParams), q.limit, q.cursor);
        return json(200, { events: page.events.map(eventView), nextCursor: page.nextCursor });
      }

      case 'GET /v1/reports/response-times': {
        this.#authorize(req, 'reports:read');
        const q = parse(ReportQuerySchema, Object.fromEntries(req.query), 'invalid_query', 'The query string');
        return json(200, await responseTimeReport(deps, q));
      }

      case 'GET /v1/contacts/{id}': {
        this.#authorize(req, 'tickets:read');
        const id = withParams.pathParams['id'] ?? '';
        const found = ULID.test(id) ? await deps.store.getContact(id) : undefined;
        if (!found) throw new ClientError(404, 'not_found', `No contact with id "${id.slice(0, 64)}".`);
        const tickets = await deps.store.listTicketsByContact(id, 100);
        return json(200, { contact: contactView(found.contact, found.identities), tickets: tickets.map(ticketView) });
      }
    }
    return json(404, errorBody('not_found', `No route ${req.method} ${req.path}.`));
  }
}
