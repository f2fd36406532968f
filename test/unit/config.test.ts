import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError, LOCAL_DEFAULTS } from '../../functions/config.ts';

const queues = { FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i' };

describe('config', () => {
  it('gives local defaults only on the local stage', () => {
    const local = buildConfig({ ...queues, STAGE: 'local', PORT: '4000' });
    expect(local.publicBaseUrl).toBe('http://localhost:4000');
    expect(local.secrets.TWILIO_AUTH_TOKEN).toBe(LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN);
    expect(local.apiKeys).toHaveLength(1);
    const aws = buildConfig({ ...queues });
    expect(aws.secrets.TWILIO_AUTH_TOKEN).toBeUndefined();
    expect(aws.apiKeys).toEqual([]);
  });

  it('takes secrets from the provider secret over the environment', () => {
    const c = buildConfig(
      { ...queues, TWILIO_AUTH_TOKEN: 'from-env' },
      JSON.stringify({ TWILIO_AUTH_TOKEN: 'from-secret', API_KEYS: [{ key: 'k'.repeat(20), scopes: ['tickets:read'] }] }),
    );
    expect(c.secrets.TWILIO_AUTH_TOKEN).toBe('from-secret');
    expect(c.apiKeys[0]!.scopes).toEqual(['tickets:read']);
  });

  it('parses per-channel SLA targets over the defaults', () => {
    const c = buildConfig({ ...queues, SLA_FIRST_RESPONSE_SECONDS: '{"sms": 120}' });
    expect(c.slaFirstResponseSeconds.sms).toBe(120);
    expect(c.slaFirstResponseSeconds.email).toBe(14400);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ API_KEYS: 'not json' }, 'API_KEYS: is not valid JSON'],
    [{ API_KEYS: '[{"key":"short","scopes":["tickets:read"]}]' }, 'at least 16'],
    [{ API_KEYS: '[{"key":"long-enough-key-123","scopes":["root"]}]' }, 'API_KEYS'],
    [{ SLA_FIRST_RESPONSE_SECONDS: '{"fax": 10}' }, 'unknown channel "fax"'],
    [{ AUTO_ACK_ENABLED: 'maybe' }, 'AUTO_ACK_ENABLED'],
  ])('fails fast with a message naming the bad value: %j', (env, text) => {
    expect(() => buildConfig({ ...queues, ...env })).toThrow(ConfigError);
    expect(() => buildConfig({ ...queues, ...env })).toThrow(text);
  });

  it('requires the queue URLs and a JSON provider secret', () => {
    expect(() => buildConfig({})).toThrow(/FOLLOWUP_QUEUE_URL/);
    expect(() => buildConfig(queues, '{oops')).toThrow(/not valid JSON/);
  });

  it('SLA policies default to the per-channel first-response targets; SLA_POLICIES and BUSINESS_CALENDARS replace them', () => {
    expect(buildConfig(queues).sla.policies.find((p) => p.name === 'default-email')?.targets).toEqual({ firstReply: 14400 });
    const c = buildConfig({
      ...queues,
      BUSINESS_CALENDARS: JSON.stringify({ ops: { timeZone: 'Europe/London', week: { mon: [['09:00', '12:00'], ['13:00', '17:30']] }, holidays: ['2026-12-25'] } }),
      SLA_POLICIES: JSON.stringify([{ name: 'vip', match: { tags: ['vip'] }, calendar: 'ops', targets: { firstReply: 900, resolution: 14400 }, warnBefore: 300 }]),
    });
    expect(c.sla.policies.map((p) => p.name)).toEqual(['vip']);
    expect(Object.keys(c.sla.calendars)).toEqual(['ops']);
  });

  it('SLA settings in the provider secret (JSON values or strings) pass the same checks and override the environment', () => {
    const secret = { SLA_POLICIES: [{ name: 'from-secret', targets: { firstReply: 60 } }], BUSINESS_CALENDARS: '{}' };
    expect(buildConfig(queues, JSON.stringify(secret)).sla.policies.map((p) => p.name)).toEqual(['from-secret']);
    expect(() => buildConfig(queues, JSON.stringify({ SLA_POLICIES: [{ name: 'x', targets: {} }] }))).toThrow(/provider secret SLA_POLICIES/);
    expect(() => buildConfig(queues, JSON.stringify({ BUSINESS_CALENDARS: { ops: { timeZone: 'Nowhere/Land', week: { mon: [['09:00', '17:00']] } } } }))).toThrow(/BUSINESS_CALENDARS: "ops": invalid time zone/);
  });

  it.each([
    [{ BUSINESS_CALENDARS: '{"ops":{"timeZone":"Europe/London","week":{"mon":[["09:00","12:00"],["11:00","13:00"]]}}}' }, /BUSINESS_CALENDARS: "ops": overlapping windows on mon/],
    [{ BUSINESS_CALENDARS: '{"ops":{"timeZone":"Europe/London","week":{}}}' }, /BUSINESS_CALENDARS: "ops": no open time/],
    [{ SLA_POLICIES: '[{"name":"a","calendar":"missing","targets":{"firstReply":60}}]' }, /SLA_POLICIES: policy "a" names calendar "missing"/],
    [{ SLA_POLICIES: '[{"name":"a","targets":{"firstReply":60}},{"name":"a","targets":{"firstReply":60}}]' }, /duplicate policy name/],
  ])('a bad SLA setting stops start-up naming the variable: %j', (env, text) => {
    expect(() => buildConfig({ ...queues, ...env })).toThrow(text);
  });
});
