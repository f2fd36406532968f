/**
 * Twilio Voice webhooks (answer, status, recording, transcription) as zod, with strict shapes: as
 * for SMS, Twilio signs keys and values concatenated, so strict SIDs make re-split forgeries fail.
 */
import * as z from 'zod';

const sid = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `must be a Twilio ${what} SID (${prefix} and 32 hex digits)`);
/** E.164, or what Twilio sends for hidden callers (`anonymous`, `+266696687`, `Restricted`). */
const address = z.string().trim().regex(/^\+?[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'must be a phone number or caller id');
const CALL_STATUS = ['queued', 'ringing', 'in-progress', 'completed', 'no-answer', 'busy', 'failed', 'canceled'] as const;

export const CALL_SID = sid('CA', 'call');

const Common = {
  CallSid: CALL_SID,
  AccountSid: sid('AC', 'account').optional(),
};

export const AnswerSchema = z
  .object({
    ...Common,
    From: address,
    To: address,
    CallStatus: z.enum(CALL_STATUS).optional(),
    DialCallStatus: z.enum(['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled']).optional(),
    RecordingSid: sid('RE', 'recording').optional(),
  })
  .loose();

export const StatusSchema = z.object({ ...Common, From: address, To: address, CallStatus: z.enum(CALL_STATUS) }).loose();

export const RecordingSchema = z
  .object({
    ...Common,
    From: address,
    To: address,
    RecordingSid: sid('RE', 'recording'),
    RecordingUrl: z.url({ protocol: /^https?$/ }).max(2048),
    RecordingStatus: z.enum(['in-progress', 'completed', 'absent', 'failed']),
    RecordingDuration: z.string().regex(/^\d{1,6}$/, 'must be whole seconds').transform(Number).optional(),
  })
  .loose();

export const TranscriptionSchema = z
  .object({
    ...Common,
    From: address,
    To: address,
    TranscriptionSid: sid('TR', 'transcription'),
    TranscriptionText: z.string().max(65536).default(''),
    TranscriptionStatus: z.enum(['in-progress', 'completed', 'failed']),
    RecordingSid: sid('RE', 'recording').optional(),
  })
  .loose();
