/** What a caller hears: the greeting chosen by business hours, and what happens next. Pure. */
import { ALWAYS_OPEN, type Calendar } from '../calendar.ts';

export interface VoiceSettings {
  /** Greeting during business hours. */
  readonly greetingOpen: string;
  /** Greeting outside business hours. */
  readonly greetingClosed: string;
  /** The business calendar deciding open/closed (one of `calendars`); none: always open. */
  readonly calendar?: string;
  /** The calendars the SLA settings define (BUSINESS_CALENDARS). */
  readonly calendars: Readonly<Record<string, Calendar>>;
  /** During business hours, ring this number (E.164) first; a voicemail only if nobody answers. */
  readonly forwardTo?: string;
  /** Longest voicemail recorded, seconds. */
  readonly maxRecordingSeconds: number;
  /** Agent replies on a voice ticket go out as SMS from the called number (off: 409 and a callback task). */
  readonly replyBySms: boolean;
  /** Optional automatic SMS to the caller once a call's ticket is opened ('' or absent: none). */
  readonly ackSms?: string;
  /** Acknowledgements (all callers together) per clock hour; past it a call gets none (default 100). */
  readonly ackMaxPerHour?: number;
  /** How long after a call ends a missing recording means a missed call. */
  readonly settleSeconds: number;
}

export interface Greeting {
  readonly open: boolean;
  readonly text: string;
  /** Present when open and a forward number is configured. */
  readonly forwardTo?: string;
  readonly maxLengthSeconds: number;
}

export function voiceGreeting(now: Date, settings: VoiceSettings): Greeting {
  const calendar = settings.calendar ? (settings.calendars[settings.calendar] ?? ALWAYS_OPEN) : ALWAYS_OPEN;
  const open = calendar.isOpen(now.getTime());
  return {
    open,
    text: open ? settings.greetingOpen : settings.greetingClosed,
    ...(open && settings.forwardTo ? { forwardTo: settings.forwardTo } : {}),
    maxLengthSeconds: settings.maxRecordingSeconds,
  };
}
