/**
 * What the contact routes answer, as zod schemas over the shared components of responses.ts: the
 * OpenAPI document and the contract test read them. Closed objects, like every response schema.
 */
import * as z from 'zod';
import { CHANNELS } from '../core/types.ts';
import { ContactSchema, EventSchema, IdentitySchema, MessageDetailSchema, TicketSchema } from './responses.ts';

const T = '2026-11-25T09:30:00.000Z';
const CONTACT_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5H7';
const OTHER_ID = '01JDQ5G7Y8Z9A0B1C2D3E4F5M1';
const example = (s: z.ZodType): unknown => s.meta()?.['example'];
const time = z.iso.datetime();
const cursor = z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last one. Opaque.' });
const redirectedFrom = z
  .string()
  .nullable()
  .meta({ description: 'Set when the id asked for was merged into this contact: the id asked for (the answer is the survivor’s).' });

export const OptOutSchema = z
  .object({
    channel: z.enum(CHANNELS),
    address: z.string(),
    optedOut: z.boolean().meta({ description: 'True: no automated messages (acknowledgements, surveys, reminders) go to this address on this channel.' }),
    at: time.nullable().meta({ description: 'When it last changed (STOP, START, or the one-click unsubscribe of an email); null when it never did.' }),
  })
  .meta({ id: 'OptOut' });

export const ContactReadSchema = z
  .object({
    contact: ContactSchema,
    redirectedFrom,
    tickets: z.array(TicketSchema).meta({ description: 'Newest first, up to 100; more through /tickets.' }),
    nextCursor: cursor,
    optOuts: z.array(OptOutSchema).meta({ description: 'Each channel and address of the listed tickets (and each email identity): opted out of automated messages or not.' }),
  })
  .meta({
    id: 'ContactRead',
    example: {
      contact: example(ContactSchema),
      redirectedFrom: null,
      tickets: [example(TicketSchema)],
      nextCursor: null,
      optOuts: [{ channel: 'sms', address: '+15551230000', optedOut: true, at: T }],
    },
  });

export const ContactMatchesSchema = z
  .object({
    contacts: z.array(z.object({ ...ContactSchema.shape, matched: z.array(IdentitySchema).meta({ description: 'The identities the address matched.' }), redirectedFrom })),
  })
  .meta({
    id: 'ContactMatches',
    description: 'Every contact the address belongs to (several kinds can hold the same digits, e.g. a Telegram id and an X id).',
    example: { contacts: [{ ...(example(ContactSchema) as object), matched: (example(ContactSchema) as { identities: unknown[] }).identities, redirectedFrom: null }] },
  });

export const ContactTicketPageSchema = z
  .object({ contactId: ContactSchema.shape.id, redirectedFrom, tickets: z.array(TicketSchema), nextCursor: cursor })
  .meta({ id: 'ContactTicketPage', example: { contactId: CONTACT_ID, redirectedFrom: null, tickets: [example(TicketSchema)], nextCursor: null } });

export const ContactEnvelopeSchema = z.object({ contact: ContactSchema }).meta({ id: 'ContactEnvelope', example: { contact: example(ContactSchema) } });

const merge = z.object({
  from: ContactSchema.shape.id,
  into: ContactSchema.shape.id,
  mergedAt: time.nullable(),
  mergedBy: z.string().nullable().meta({ description: 'The API key’s name.' }),
  attributesNotMerged: z.array(z.string()).meta({ description: 'Attributes of `from` the survivor had no room for (it keeps its own on a clash).' }),
});
const MERGE_EXAMPLE = { from: OTHER_ID, into: CONTACT_ID, mergedAt: T, mergedBy: 'crm', attributesNotMerged: [] };

export const ContactMergedSchema = z
  .object({ status: z.literal('merged'), contact: ContactSchema, merge })
  .meta({ id: 'ContactMerged', example: { status: 'merged', contact: example(ContactSchema), merge: MERGE_EXAMPLE } });

export const ContactMergeInProgressSchema = z
  .object({ status: z.literal('in_progress'), merge, message: z.string() })
  .meta({
    id: 'ContactMergeInProgress',
    example: { status: 'in_progress', merge: { ...MERGE_EXAMPLE, mergedAt: null, mergedBy: null }, message: 'Part of the tickets moved; repeat the same request to continue.' },
  });

export const ContactErasedSchema = z
  .object({ status: z.literal('erased'), contact: z.object({ id: ContactSchema.shape.id, erasedAt: time.nullable() }) })
  .meta({ id: 'ContactErased', example: { status: 'erased', contact: { id: CONTACT_ID, erasedAt: T } } });

export const ContactEraseInProgressSchema = z
  .object({ status: z.literal('in_progress'), contact: z.object({ id: ContactSchema.shape.id }), message: z.string() })
  .meta({ id: 'ContactEraseInProgress', example: { status: 'in_progress', contact: { id: CONTACT_ID }, message: 'Part of the data is erased; repeat the same request to continue.' } });

export const ContactExportSchema = z
  .object({
    exportedAt: time,
    contact: ContactSchema,
    redirectedFrom,
    tickets: z.array(
      z.object({
        ticket: TicketSchema,
        messages: z.array(MessageDetailSchema).meta({ description: 'Oldest first, up to 1000; stored bytes as links valid for 5 minutes.' }),
        events: z.array(EventSchema).meta({ description: 'Oldest first, up to 1000.' }),
        eventsTruncated: z.boolean(),
      }),
    ),
    nextCursor: cursor,
  })
  .meta({
    id: 'ContactExport',
    description: 'Everything held about a person, a page of tickets at a time.',
    example: {
      exportedAt: T,
      contact: example(ContactSchema),
      redirectedFrom: null,
      tickets: [{ ticket: example(TicketSchema), messages: [example(MessageDetailSchema)], events: [example(EventSchema)], eventsTruncated: false }],
      nextCursor: null,
    },
  });
