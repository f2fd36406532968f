/** The classic Twilio Messaging webhook (application/x-www-form-urlencoded), as zod. */
import { z } from 'zod';

const address = z.string().trim().min(1).max(256);

export const TwilioInboundSchema = z
  .object({
    MessageSid: z.string().regex(/^[A-Za-z]{2}[A-Za-z0-9]{8,62}$/, 'must be a Twilio message SID'),
    AccountSid: z.string().min(1).max(64).optional(),
    From: address,
    To: address,
    Body: z.string().max(65536).default(''),
    NumMedia: z.coerce.number().int().min(0).max(20).default(0),
    ProfileName: z.string().max(256).optional(),
    WaId: z.string().max(64).optional(),
    Latitude: z.string().max(32).optional(),
    Longitude: z.string().max(32).optional(),
    ButtonText: z.string().max(1024).optional(),
  })
  .loose();

export type TwilioInbound = z.infer<typeof TwilioInboundSchema>;
