import { describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/fixtures.ts';

const CAL = JSON.stringify({ office: { timeZone: 'Europe/Berlin', week: { mon: [['09:00', '17:00']] } } });

describe('VOICE_* settings', () => {
  it('defaults: always open, no replies by SMS (409 + callback task), no ack, 120 s voicemails, 60 s settle', () => {
    expect(testConfig().voice).toMatchObject({ replyBySms: false, maxRecordingSeconds: 120, settleSeconds: 60, ackMaxPerHour: 100, calendars: {} });
    expect(testConfig().voice).not.toHaveProperty('ackSms');
    expect(testConfig().voice).not.toHaveProperty('calendar');
  });

  it('reads every variable', () => {
    const v = testConfig({
      BUSINESS_CALENDARS: CAL,
      VOICE_CALENDAR: 'office',
      VOICE_FORWARD_TO: '+4930123456',
      VOICE_GREETING_OPEN: 'Hallo',
      VOICE_GREETING_CLOSED: 'Geschlossen',
      VOICE_MAX_RECORDING_SECONDS: '60',
      VOICE_REPLY_BY_SMS: 'true',
      VOICE_ACK_SMS: ' We got your call ({ticket}) ',
      VOICE_SETTLE_SECONDS: '15',
      VOICE_ACK_MAX_PER_HOUR: '0',
    }).voice;
    expect(v).toMatchObject({ calendar: 'office', forwardTo: '+4930123456', greetingOpen: 'Hallo', greetingClosed: 'Geschlossen', maxRecordingSeconds: 60, replyBySms: true, ackSms: 'We got your call ({ticket})', settleSeconds: 15, ackMaxPerHour: 0 });
    expect(Object.keys(v.calendars)).toEqual(['office']);
  });

  it('names every bad variable at once', () => {
    const bad = () =>
      testConfig({ VOICE_CALENDAR: 'nowhere', VOICE_FORWARD_TO: '0301234', VOICE_MAX_RECORDING_SECONDS: '0', VOICE_SETTLE_SECONDS: '901', VOICE_REPLY_BY_SMS: 'maybe' });
    expect(bad).toThrow(/VOICE_FORWARD_TO/);
    expect(bad).toThrow(/VOICE_MAX_RECORDING_SECONDS/);
    expect(bad).toThrow(/VOICE_SETTLE_SECONDS/);
    expect(bad).toThrow(/VOICE_REPLY_BY_SMS/);
    // Under 15 s a voicemail whose recording callback trails the completed status would be called missed first.
    for (const settle of ['0', '1', '14']) expect(() => testConfig({ VOICE_SETTLE_SECONDS: settle })).toThrow(/VOICE_SETTLE_SECONDS/);
    expect(() => testConfig({ VOICE_ACK_MAX_PER_HOUR: '-1' })).toThrow(/VOICE_ACK_MAX_PER_HOUR/);
    expect(() => testConfig({ VOICE_CALENDAR: 'nowhere' })).toThrow(/VOICE_CALENDAR: "nowhere" is not a calendar BUSINESS_CALENDARS defines/);
    expect(() => testConfig({ VOICE_GREETING_OPEN: '   ' })).toThrow(/VOICE_GREETING_OPEN/);
  });
});
