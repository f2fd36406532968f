import { describe, expect, it } from 'vitest';
import { checkPassThroughContext } from '../../lib/context.ts';

describe('context passed through to the functions is checked at synth', () => {
  it('accepts valid calendars and policies', () => {
    expect(
      checkPassThroughContext({
        BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week: { mon: [['09:00', '17:30']] }, holidays: ['2026-12-25'] } }),
        SLA_POLICIES: JSON.stringify([{ name: 'vip', match: { tags: ['vip'] }, calendar: 'ops', targets: { firstReply: 1800 } }]),
      }),
    ).toBeUndefined();
  });

  it.each([
    [{ SLA_FIRST_RESPONSE_SECONDS: 'notjson' }, 'context "slaFirstResponseSeconds"'],
    [{ AUTO_ACK_ENABLED: 'maybe' }, 'context "autoAckEnabled"'],
    [{ BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Mars/Base', week: { mon: [['09:00', '17:00']] } } }) }, 'context "businessCalendars"'],
    [{ SLA_POLICIES: JSON.stringify([{ name: 'x', calendar: 'nope', targets: { firstReply: 60 } }]) }, 'context "slaPolicies"'],
  ])('names the bad key: %j', (env, key) => {
    expect(checkPassThroughContext(env)).toContain(key);
  });
});
