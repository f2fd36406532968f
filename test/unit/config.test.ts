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
    [{ API_KEYS: '[{"key":"long-enough-key-123","scopes":["admin"]}]' }, 'API_KEYS'],
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
});
