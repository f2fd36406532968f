/** VOICE_* settings (issue 16), validated with the rest of the environment. */
import * as z from 'zod';
import type { Calendar } from '../calendar.ts';
import type { VoiceSettings } from './greeting.ts';

const boolish = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const spoken = z.string().trim().min(1).max(1000);

export const VoiceEnvSchema = z.object({
  VOICE_GREETING_OPEN: spoken.default('Thanks for calling. Please leave a message after the tone and we will call you back.'),
  VOICE_GREETING_CLOSED: spoken.default('Thanks for calling. We are closed right now. Please leave a message after the tone and we will call you back.'),
  /** A BUSINESS_CALENDARS name deciding open/closed; none: always open. */
  VOICE_CALENDAR: z.string().min(1).max(64).optional(),
  /** During business hours ring this number first (E.164). */
  VOICE_FORWARD_TO: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number (+ and 7 to 15 digits)').optional(),
  VOICE_MAX_RECORDING_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
  VOICE_REPLY_BY_SMS: boolish.default(false),
  /** Automatic SMS to the caller when a call opens a ticket ({ticket} is replaced); empty: none. */
  VOICE_ACK_SMS: z.string().max(1000).default(''),
  /** Calls end before their recording callback arrives; under 15 s a voicemail could be called missed first. */
  VOICE_SETTLE_SECONDS: z.coerce.number().int().min(15).max(900).default(60),
  /** All voice acknowledgements (SMS) in one clock hour, across callers: a cap against SMS pumping with spoofed caller ids. */
  VOICE_ACK_MAX_PER_HOUR: z.coerce.number().int().min(0).max(100_000).default(100),
});

export function voiceSettings(v: z.output<typeof VoiceEnvSchema>, calendars: Readonly<Record<string, Calendar>>, problems: string[]): VoiceSettings {
  if (v.VOICE_CALENDAR && !calendars[v.VOICE_CALENDAR]) problems.push(`VOICE_CALENDAR: "${v.VOICE_CALENDAR}" is not a calendar BUSINESS_CALENDARS defines`);
  return {
    greetingOpen: v.VOICE_GREETING_OPEN,
    greetingClosed: v.VOICE_GREETING_CLOSED,
    ...(v.VOICE_CALENDAR ? { calendar: v.VOICE_CALENDAR } : {}),
    calendars,
    ...(v.VOICE_FORWARD_TO ? { forwardTo: v.VOICE_FORWARD_TO } : {}),
    maxRecordingSeconds: v.VOICE_MAX_RECORDING_SECONDS,
    replyBySms: v.VOICE_REPLY_BY_SMS,
    ...(v.VOICE_ACK_SMS.trim() ? { ackSms: v.VOICE_ACK_SMS.trim() } : {}),
    settleSeconds: v.VOICE_SETTLE_SECONDS,
    ackMaxPerHour: v.VOICE_ACK_MAX_PER_HOUR,
  };
}
