/**
 * The inbound API channel's body: one customer message from a custom source (an in-app chat
 * backend, a form, another system). Bounded so one message always fits one item; long text is left
 * to the webhook service (it goes to the bucket).
 */
import * as z from 'zod';
import { toE164 } from './phone.ts';

const printable = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

export const ApiFromSchema = z
  .strictObject({
    id: printable(256).optional(),
    email: z.email().max(320).optional(),
    phone: z
      .string()
      .max(32)
      .refine((p) => toE164(p) !== undefined, 'must be an E.164 phone number (+ and country code)')
      .optional(),
    name: printable(256).optional(),
  })
  .refine((f) => f.id !== undefined || f.email !== undefined || f.phone !== undefined, { message: 'needs at least one of id, email or phone' });

export const ApiAttachmentSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  name: printable(256).optional(),
  contentType: z.string().max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type like image/png').optional(),
});

export const MAX_API_TEXT_CHARS = 64 * 1024;

export const ApiMessageSchema = z
  .strictObject({
    conversationId: printable(256),
    from: ApiFromSchema,
    text: z.string().max(MAX_API_TEXT_CHARS),
    attachments: z.array(ApiAttachmentSchema).max(20).optional(),
  })
  .refine((m) => m.text.trim() !== '' || (m.attachments?.length ?? 0) > 0, { message: 'text is empty and there are no attachments', path: ['text'] });

export type ApiMessage = z.infer<typeof ApiMessageSchema>;
