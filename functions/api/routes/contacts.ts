/**
 * Contact routes: find by address, read (following merges), tickets, patch, merge, export, erase.
 *
 * Scopes: reads and the ticket list need `tickets:read` (agent tools show who they talk to),
 * PATCH (name, attributes) `tickets:write`; export `contacts:read`; merge and erase `contacts:write`.
 * A key restricted to some channels sees only identities linked on, and tickets of, those channels;
 * patch, merge, export and erase act on the whole person, so they need an unrestricted key.
 */
import * as z from 'zod';
import type { Principal } from '../../core/auth.ts';
import { ATTRIBUTE_LIMITS, IDENTITY_KINDS, MAX_ADDRESS_CHARS } from '../../core/contacts.ts';
import { ClientError } from '../../core/errors.ts';
import { eraseContact } from '../../core/services/contact-erase.ts';
import { mergeContacts } from '../../core/services/contact-merge.ts';
import { optOutsOf } from '../../core/services/opt-outs.ts';
import { EXPORT_LIMITS, exportContact, findContacts, listContactTickets, patchContact, readContact, resolveContact } from '../../core/services/contacts.ts';
import { json } from '../../http.ts';
import {
  ContactEnvelopeSchema,
  ContactEraseInProgressSchema,
  ContactErasedSchema,
  ContactExportSchema,
  ContactMatchesSchema,
  ContactMergeInProgressSchema,
  ContactMergedSchema,
  ContactReadSchema,
  ContactTicketPageSchema,
} from '../contact-responses.ts';
import { contactView, identityView, linkedMessageView } from '../contact-views.ts';
import { cleanText, etag, idParam, ifMatchVersion, ULID } from '../request.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { eventView, ticketView } from '../views.ts';

const FindQuerySchema = z
  .object({
    identity: z.string().max(MAX_ADDRESS_CHARS).transform((s) => s.trim()).pipe(z.string().min(1, 'identity must not be empty')),
    kind: z.enum(IDENTITY_KINDS).optional(),
  })
  .strict();

const PageQuerySchema = (max: number, def: number) =>
  z
    .object({
      limit: z.coerce.number().int().min(1).max(max).default(def),
      cursor: z.string().min(1).max(1024).optional(),
    })
    .strict();

const AttributeValueSchema = z.union([
  z.string().transform(cleanText).pipe(z.string().max(ATTRIBUTE_LIMITS.maxStringChars)),
  z.number().finite(),
  z.boolean(),
  z.null(),
]);

export const ContactPatchSchema = z
  .object({
    name: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(200)).nullable().optional(),
    attributes: z
      // JSON.parse keeps "__proto__" as an own key, which a record would drop silently: refuse it.
      .preprocess((v, ctx) => {
        if (v !== null && typeof v === 'object' && Object.hasOwn(v, '__proto__')) ctx.addIssue({ code: 'custom', message: 'attribute names may not be __proto__, constructor or prototype' });
        return v;
      }, z.record(z.string().regex(ATTRIBUTE_LIMITS.keyPattern, 'attribute names are 1-64 of A-Z a-z 0-9 _ . - (not __proto__, constructor or prototype)'), AttributeValueSchema)
      .refine((a) => Object.keys(a).length <= ATTRIBUTE_LIMITS.maxKeys, `at most ${ATTRIBUTE_LIMITS.maxKeys} attributes`))
      .optional(),
  })
  .strict()
  .refine((p) => p.name !== undefined || p.attributes !== undefined, 'send name or attributes');

const MergeSchema = z.object({ from: z.string().regex(ULID, 'from must be a contact id') }).strict();

/** Patch, merge, export and erase act on everything about a person: a channel-restricted key may not. */
function requireAllChannels(p: Principal): void {
  if (p.channels) throw new ClientError(403, 'channel_restricted', 'This API key is restricted to some channels; changing, merging, exporting or erasing a contact needs a key that sees every channel.');
}

const readHeaders = (version: number, redirectedFrom: string | undefined, id: string) => ({
  ...etag(version),
  ...(redirectedFrom ? { 'content-location': `/v1/contacts/${id}` } : {}),
});

export const contactRoutes: readonly ApiRoute<any, any>[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/contacts',
    scope: 'tickets:read',
    summary: 'Find contacts by address: a phone (E.164), an email (case-insensitive) or a platform id',
    query: FindQuerySchema,
    responses: { 200: { description: 'The contacts the address belongs to, with their identities.', schema: ContactMatchesSchema } },
    errors: { 404: 'No contact has this address (or none the key’s channels may see).' },
    async handle({ deps, query, principal }) {
      const found = await findContacts(deps, query.identity, query.kind, principal.channels);
      return json(200, {
        contacts: found.map((f) => ({ ...contactView(f.contact, f.identities), matched: f.matched.map(identityView), redirectedFrom: f.redirectedFrom ?? null })),
      });
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/contacts/{id}',
    scope: 'tickets:read',
    summary: 'A contact, its identities and its latest tickets (a merged contact answers with the one it was merged into)',
    responses: { 200: { description: 'The contact (the survivor, for a merged id).', schema: ContactReadSchema, headers: { ETag: 'The version, for If-Match.', 'Content-Location': 'For a merged id: the survivor’s URL.' } } },
    async handle({ deps, params, principal }) {
      const r = await readContact(deps, idParam(params, 'contact'), principal.channels);
      const optOuts = await optOutsOf(deps, r.tickets, r.identities);
      return json(
        200,
        { contact: contactView(r.contact, r.identities), redirectedFrom: r.redirectedFrom ?? null, tickets: r.tickets.map(ticketView), nextCursor: r.nextCursor, optOuts },
        readHeaders(r.contact.version, r.redirectedFrom, r.contact.id),
      );
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/contacts/{id}/tickets',
    scope: 'tickets:read',
    summary: 'A contact’s tickets, newest first, with an opaque cursor',
    query: PageQuerySchema(100, 25),
    responses: { 200: { description: 'A page of the contact’s tickets.', schema: ContactTicketPageSchema } },
    async handle({ deps, params, query, principal }) {
      // A restricted key sees a contact only as GET /v1/contacts/{id} shows it (404 when nothing is on its channels).
      const { contact, redirectedFrom } = principal.channels ? await readContact(deps, idParam(params, 'contact'), principal.channels) : await resolveContact(deps, idParam(params, 'contact'));
      const page = await listContactTickets(deps, contact.id, query.limit, query.cursor, principal.channels);
      return json(200, { contactId: contact.id, redirectedFrom: redirectedFrom ?? null, tickets: page.tickets.map(ticketView), nextCursor: page.nextCursor });
    },
  }),

  defineRoute({
    method: 'PATCH',
    path: '/v1/contacts/{id}',
    scope: 'tickets:write',
    summary: 'Change a contact’s name or custom attributes (null removes one)',
    body: ContactPatchSchema,
    ifMatch: true,
    responses: { 200: { description: 'The contact after the change.', schema: ContactEnvelopeSchema, headers: { ETag: 'The new version.' } } },
    errors: { 400: 'More than 50 attributes would be left (`too_many_attributes`).', 409: 'The contact was merged (`contact_merged`) or erased (`contact_erased`).' },
    async handle({ deps, req, params, principal, body }) {
      requireAllChannels(principal);
      const id = idParam(params, 'contact');
      const c = await patchContact(deps, id, body, ifMatchVersion(req));
      return json(200, { contact: contactView(c, await deps.contacts.identitiesOf(c)) }, etag(c.version));
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/contacts/{id}/merge',
    scope: 'contacts:write',
    summary: 'Merge another contact (`from`) into this one: its identities and tickets move here, it becomes a tombstone',
    body: MergeSchema,
    ifMatch: true,
    responses: {
      200: { description: 'Merged (also when this merge was already done: the same answer).', schema: ContactMergedSchema, headers: { ETag: 'The survivor’s new version.' } },
      202: { description: 'More tickets than one call moves (200): repeat the same request to continue.', schema: ContactMergeInProgressSchema },
    },
    errors: {
      400: 'A contact merged into itself (`invalid_merge`).',
      404: 'Either contact does not exist.',
      409: 'A tombstone or erased contact (`contact_merged`, `contact_erased`), or one that is part of another unfinished merge (`merge_in_progress`, details name it).',
    },
    async handle({ deps, req, params, principal, body }) {
      requireAllChannels(principal);
      const r = await mergeContacts(deps, idParam(params, 'contact'), body.from, principal.name, ifMatchVersion(req));
      const merge = { from: r.from, into: r.survivor.id, mergedAt: r.mergedAt ?? null, mergedBy: r.mergedBy ?? null, attributesNotMerged: r.attributesNotMerged };
      if (!r.done) return json(202, { status: 'in_progress', merge, message: 'Part of the tickets moved; repeat the same request to continue.' });
      return json(200, { status: 'merged', contact: contactView(r.survivor, r.identities), merge }, etag(r.survivor.version));
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/contacts/{id}/export',
    scope: 'contacts:read',
    summary: 'Everything held about a person: contact, identities, tickets with messages (attachments as short-lived links) and events',
    query: PageQuerySchema(EXPORT_LIMITS.maxTickets, EXPORT_LIMITS.defaultTickets),
    responses: { 200: { description: 'One page of the export (`limit` tickets, default 10, at most 25).', schema: ContactExportSchema } },
    async handle({ deps, params, query, principal }) {
      requireAllChannels(principal);
      const x = await exportContact(deps, idParam(params, 'contact'), query.limit, query.cursor);
      const tickets = await Promise.all(
        x.tickets.map(async (t) => ({
          ticket: ticketView(t.ticket),
          messages: await Promise.all(t.messages.map((m) => linkedMessageView(deps.attachments, m))),
          events: t.events.map(eventView),
          eventsTruncated: t.eventsTruncated,
        })),
      );
      const c = x.contact;
      return json(200, {
        exportedAt: deps.clock.now().toISOString(),
        contact: contactView(c, x.identities),
        redirectedFrom: x.redirectedFrom ?? null,
        tickets,
        nextCursor: x.nextCursor,
      });
    },
  }),

  defineRoute({
    method: 'DELETE',
    path: '/v1/contacts/{id}',
    scope: 'contacts:write',
    summary: 'Erase a contact: its messages’ text, addresses, attachments and identities; tickets keep their timing',
    ifMatch: true,
    responses: {
      200: { description: 'Erased (also when it already was: the same answer).', schema: ContactErasedSchema, headers: { ETag: 'The tombstone’s version.' } },
      202: { description: 'More messages than one call erases (300): repeat the same request to continue.', schema: ContactEraseInProgressSchema },
    },
    errors: { 409: 'A merged id (`contact_merged`: erase the survivor) or a contact in an unfinished merge (`merge_in_progress`).' },
    async handle({ deps, req, params, principal }) {
      requireAllChannels(principal);
      const r = await eraseContact(deps, idParam(params, 'contact'), principal.name, ifMatchVersion(req));
      if (!r.done) return json(202, { status: 'in_progress', contact: { id: r.contact.id }, message: 'Part of the data is erased; repeat the same request to continue.' });
      return json(200, { status: 'erased', contact: { id: r.contact.id, erasedAt: r.contact.erasedAt ?? null } }, etag(r.contact.version));
    },
  }),
];
