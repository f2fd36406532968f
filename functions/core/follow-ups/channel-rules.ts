/**
 * The rules every automated message (acknowledgement, survey, reminder) passes before it is sent
 * (issue 12): opted-out contacts get nothing; WhatsApp allows free-form business messages only
 * within 24 hours of the customer's last message, after that only an approved template; surveys and
 * reminders wait for the policy calendar's open hours. Pure.
 */
import type { Calendar } from '../calendar.ts';
import type { Channel } from '../types.ts';

export const WHATSAPP_WINDOW_MS = 24 * 3600 * 1000;

/**
 * The channel an automated message really goes out on, for opt-outs and rate limits: a voice
 * ticket's acknowledgement is an SMS from the called number, so a STOP by SMS applies to it.
 */
export const automationChannelOf = (c: Channel): Channel => (c === 'voice' ? 'sms' : c);

export type AutomationPurpose = 'ack' | 'survey' | 'reminder';

export interface WhatsAppTemplate {
  readonly name: string;
  readonly language: string;
}

export type AutomationDecision =
  | { readonly action: 'send'; readonly as: 'text' }
  | { readonly action: 'send'; readonly as: 'template'; readonly template: WhatsAppTemplate }
  | { readonly action: 'defer'; readonly until: string }
  | { readonly action: 'skip'; readonly reason: 'opted_out' | 'outside_window' };

export interface AutomationInput {
  readonly purpose: AutomationPurpose;
  readonly channel: Channel;
  readonly now: Date;
  /** The contact's identity on this channel opted out (STOP). */
  readonly optedOut: boolean;
  /** When the customer last wrote on this ticket (ISO). */
  readonly lastInboundAt: string | undefined;
  readonly templates: Readonly<Partial<Record<AutomationPurpose, WhatsAppTemplate>>>;
  /** Hold surveys and reminders until the calendar is open (AUTOMATION_QUIET_HOURS). */
  readonly quietHours: boolean;
  readonly calendar: Calendar;
}

/** Is `now` within WhatsApp's 24-hour customer-service window opened by the last inbound message? */
export function withinWhatsAppWindow(lastInboundAt: string | undefined, now: Date): boolean {
  if (!lastInboundAt) return false;
  const last = Date.parse(lastInboundAt);
  return Number.isFinite(last) && now.getTime() - last < WHATSAPP_WINDOW_MS && now.getTime() >= last - 60_000;
}

export function decideAutomation(i: AutomationInput): AutomationDecision {
  if (i.optedOut) return { action: 'skip', reason: 'opted_out' };
  // Acknowledgements answer a message that just arrived; quiet hours hold only the later follow-ups.
  if (i.quietHours && i.purpose !== 'ack' && !i.calendar.isOpen(i.now.getTime())) {
    return { action: 'defer', until: new Date(i.calendar.addBusinessSeconds(i.now.getTime(), 0)).toISOString() };
  }
  if (i.channel === 'whatsapp' && !withinWhatsAppWindow(i.lastInboundAt, i.now)) {
    const template = i.templates[i.purpose];
    return template ? { action: 'send', as: 'template', template } : { action: 'skip', reason: 'outside_window' };
  }
  return { action: 'send', as: 'text' };
}
