/**
 * The classic Twilio Messaging webhook (application/x-www-form-urlencoded), as zod, with strict
 * shapes. Twilio signs the concatenation of keys and values, so a captured request can be re-split
 * at other key/value boundaries and still verify; strict shapes (a SID is two letters and 32 hex
 * digits, counts are small numbers) make every such re-split fail validation.
 */
import * as z from 'zod';

/** `SM`/`MM` + 32 hex digits (Twilio's message SIDs). */
export const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/;

/** E.164 (`+14155550100`), a short code, an alphanumeric sender id, optionally with a channel prefix. */
const address = z
  .string()
  .trim()
  .regex(/^((whatsapp|messenger|rcs):)?\+?[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'must be a phone number, short code or sender id');

const sid = z.string().regex(MESSAGE_SID, 'must be a Twilio message SID (SM or MM and 32 hex digits)');
const smallCount = (max: number) => z.string().regex(/^\d{1,3}$/, 'must be a number').transform(Number).pipe(z.number().int().min(0).max(max));

export const TwilioInboundSchema = z
  .object({
    MessageSid: sid,
    SmsSid: sid.optional(),
    SmsMessageSid: sid.optional(),
    AccountSid: z.string().regex(/^[A-Za-z0-9]{1,34}$/, 'must be a Twilio account SID').optional(),
    MessagingServiceSid: z.string().regex(/^MG[0-9a-f]{32}$/, 'must be a messaging service SID').optional(),
    From: address,
    To: address,
    Body: z.string().max(65536).default(''),
    NumMedia: smallCount(10).default(0),
    NumSegments: smallCount(100).optional(),
    ProfileName: z.string().max(256).optional(),
    WaId: z.string().regex(/^\d{1,20}$/, 'must be a WhatsApp id (digits)').optional(),
    Latitude: z.string().regex(/^-?\d{1,3}(\.\d{1,12})?$/, 'must be a latitude').optional(),
    Longitude: z.string().regex(/^-?\d{1,3}(\.\d{1,12})?$/, 'must be a longitude').optional(),
    ButtonText: z.string().max(1024).optional(),
  })
  .loose()
  .refine((p) => (p.SmsSid ?? p.MessageSid) === p.MessageSid && (p.SmsMessageSid ?? p.MessageSid) === p.MessageSid, {
    message: 'SmsSid and SmsMessageSid must equal MessageSid',
    path: ['MessageSid'],
  });

export type TwilioInbound = z.infer<typeof TwilioInboundSchema>;
