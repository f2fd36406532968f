/** A voice message's call, as the API shows it (issue 16): outcome, status, recordings. */
import * as z from 'zod';
import { outcomeOf, voicemailSeconds, type VoiceInfo } from '../core/voice/state.ts';

export const VoiceCallSchema = z
  .object({
    provider: z.enum(['twilio', 'vonage']),
    callId: z.string().meta({ description: 'Twilio CallSid or Vonage call uuid.' }),
    status: z.enum(['ringing', 'in-progress', 'completed', 'no-answer', 'busy', 'failed', 'canceled']).nullable(),
    outcome: z.enum(['pending', 'answered', 'missed', 'voicemail']).meta({ description: '`missed`: ended with no recording within VOICE_SETTLE_SECONDS.' }),
    voicemailSeconds: z.number().int().min(0),
    settled: z.boolean().meta({ description: 'The missed-call check ran (VOICE_SETTLE_SECONDS after the call ended).' }),
    recordings: z.array(
      z.object({
        id: z.string(),
        durationSeconds: z.number().int().min(0),
        stored: z.boolean().meta({ description: 'The audio is in the attachments bucket (see `attachments`).' }),
        refused: z.string().nullable().meta({ description: 'Why the audio will never be fetched (e.g. `foreign_host`).' }),
      }),
    ),
  })
  .meta({ description: 'Phone calls (channel `voice`) only.' });

export const voiceView = (v: VoiceInfo | undefined): z.infer<typeof VoiceCallSchema> | null =>
  v
    ? {
        provider: v.provider,
        callId: v.callId,
        status: v.status ?? null,
        outcome: outcomeOf(v),
        voicemailSeconds: voicemailSeconds(v),
        settled: v.settled ?? false,
        recordings: v.recordings.map((r) => ({ id: r.id, durationSeconds: r.durationSeconds, stored: r.key !== undefined, refused: r.refused ?? null })),
      }
    : null;
