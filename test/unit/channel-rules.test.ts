import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, buildCalendar } from '../../functions/core/calendar.ts';
import { decideAutomation, withinWhatsAppWindow, type AutomationInput } from '../../functions/core/follow-ups/channel-rules.ts';

const weekdays = buildCalendar('berlin-office', {
  timeZone: 'Europe/Berlin',
  week: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
});

const base = (o: Partial<AutomationInput>): AutomationInput => ({
  purpose: 'survey',
  channel: 'sms',
  now: new Date('2026-03-04T10:00:00Z'),
  optedOut: false,
  lastInboundAt: '2026-03-04T09:00:00Z',
  templates: {},
  quietHours: true,
  calendar: ALWAYS_OPEN,
  ...o,
});

describe('withinWhatsAppWindow', () => {
  const now = new Date('2026-03-05T12:00:00Z');
  it('is open for 24 hours after the last inbound message, closed at 24 h exactly', () => {
    expect(withinWhatsAppWindow('2026-03-04T12:00:00.001Z', now)).toBe(true);
    expect(withinWhatsAppWindow('2026-03-04T12:00:00.000Z', now)).toBe(false);
    expect(withinWhatsAppWindow(undefined, now)).toBe(false);
    expect(withinWhatsAppWindow('not a date', now)).toBe(false);
  });
});

describe('decideAutomation', () => {
  it('sends plain text by default', () => {
    expect(decideAutomation(base({}))).toEqual({ action: 'send', as: 'text' });
  });

  it('skips an opted-out contact, whatever else holds', () => {
    for (const purpose of ['ack', 'survey', 'reminder'] as const) {
      expect(decideAutomation(base({ purpose, optedOut: true, channel: 'whatsapp' }))).toEqual({ action: 'skip', reason: 'opted_out' });
    }
  });

  it('WhatsApp outside 24 h: the purpose’s template, or outside_window without one', () => {
    const late = { channel: 'whatsapp' as const, lastInboundAt: '2026-03-02T09:00:00Z' };
    expect(decideAutomation(base({ ...late, templates: { survey: { name: 'csat_v1', language: 'en' } } }))).toEqual({
      action: 'send',
      as: 'template',
      template: { name: 'csat_v1', language: 'en' },
    });
    expect(decideAutomation(base({ ...late, templates: { reminder: { name: 'r', language: 'en' } } }))).toEqual({ action: 'skip', reason: 'outside_window' });
    expect(decideAutomation(base({ channel: 'whatsapp' }))).toEqual({ action: 'send', as: 'text' });
  });

  it('holds a survey sent on Friday evening until Monday 09:00 local time', () => {
    // Friday 2026-03-06 18:30 Berlin (CET, UTC+1) = 17:30Z.
    const d = decideAutomation(base({ now: new Date('2026-03-06T17:30:00Z'), calendar: weekdays }));
    expect(d).toEqual({ action: 'defer', until: '2026-03-09T08:00:00.000Z' });
  });

  it('across the spring DST change the next open time is 09:00 in summer time', () => {
    // Saturday 2026-03-28; clocks go forward on Sunday 29 March; Monday 30 March 09:00 CEST = 07:00Z.
    const d = decideAutomation(base({ purpose: 'reminder', now: new Date('2026-03-28T12:00:00Z'), calendar: weekdays }));
    expect(d).toEqual({ action: 'defer', until: '2026-03-30T07:00:00.000Z' });
  });

  it('acknowledgements are not held by quiet hours; quiet hours off sends at once', () => {
    const night = { now: new Date('2026-03-06T23:00:00Z'), calendar: weekdays };
    expect(decideAutomation(base({ ...night, purpose: 'ack' }))).toEqual({ action: 'send', as: 'text' });
    expect(decideAutomation(base({ ...night, quietHours: false }))).toEqual({ action: 'send', as: 'text' });
  });
});
