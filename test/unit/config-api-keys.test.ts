/** API_KEYS (environment and provider secret): hashed entries, channels, duplicates; errors name the variable. */
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../../functions/config.ts';
import { hashKey } from '../../functions/core/auth.ts';

const queues = { FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i' };
const H = hashKey('swk_some-key-0123456789abcdef');
const keys = (entries: unknown[]) => ({ ...queues, API_KEYS: JSON.stringify(entries) });

describe('API_KEYS', () => {
  it('accepts hashed entries with channels and plain keys, normalising the hash to lowercase', () => {
    const c = buildConfig(
      keys([
        { name: 'inbox', hash: H.toUpperCase().replace('SHA256:', 'sha256:'), scopes: ['tickets:read'], channels: ['sms', 'email'] },
        { key: 'plain-local-key-0123456789', scopes: ['tickets:read', 'tickets:write'] },
      ]),
    );
    expect(c.apiKeys).toEqual([
      { name: 'inbox', hash: H, scopes: ['tickets:read'], channels: ['sms', 'email'] },
      { key: 'plain-local-key-0123456789', scopes: ['tickets:read', 'tickets:write'] },
    ]);
  });

  it('checks the provider secret the same way, naming it', () => {
    const ok = buildConfig(queues, JSON.stringify({ API_KEYS: [{ name: 'inbox', hash: H, scopes: ['tickets:read'] }] }));
    expect(ok.apiKeys).toHaveLength(1);
    expect(() => buildConfig(queues, JSON.stringify({ API_KEYS: [{ hash: H, scopes: ['tickets:read'] }] }))).toThrow(
      /provider secret API_KEYS\.0\.name: is required for a hashed key/,
    );
  });

  it.each([
    [[{ hash: H, scopes: ['tickets:read'] }], 'API_KEYS.0.name: is required for a hashed key'],
    [[{ name: 'a', hash: 'sha256:1234', scopes: ['tickets:read'] }], 'API_KEYS.0.hash: must be "sha256:" followed by the 64 hex digits'],
    [[{ name: 'a', hash: H.replace('sha256:', 'md5:'), scopes: ['tickets:read'] }], 'API_KEYS.0.hash'],
    [[{ name: 'a', scopes: ['tickets:read'] }], 'give exactly one of "hash"'],
    [[{ name: 'a', hash: H, key: 'plain-local-key-0123456789', scopes: ['tickets:read'] }], 'give exactly one of "hash"'],
    [[{ name: 'a', hash: H, scopes: ['tickets:read'], channels: ['fax'] }], 'API_KEYS.0.channels.0'],
    [[{ name: 'a', hash: H, scopes: ['tickets:read'], channels: [] }], 'API_KEYS.0.channels: lists at least one channel'],
    [[{ name: 'a', hash: H, scopes: ['tickets:read'], channels: ['sms', 'sms'] }], 'API_KEYS.0.channels: lists a channel twice'],
    [[{ name: 'a', hash: H, scopes: ['tickets:read'], chanels: ['sms'] }], 'API_KEYS.0: Unrecognized key: "chanels"'],
    [[{ name: 'a', hash: H, scopes: [] }], 'API_KEYS.0.scopes'],
    [[{ name: 'a b', hash: H, scopes: ['tickets:read'] }], 'API_KEYS.0.name: must be 1-64 letters'],
    [[{ key: 'has a space in it 0123', scopes: ['tickets:read'] }], 'API_KEYS.0.key: must be printable ASCII without spaces'],
    [
      [
        { name: 'a', hash: H, scopes: ['tickets:read'] },
        { name: 'a', hash: hashKey('another-key-0123456789'), scopes: ['tickets:read'] },
      ],
      'API_KEYS.1.name: "a" is also the name of entry 0',
    ],
    [
      [
        { name: 'a', hash: hashKey('plain-local-key-0123456789'), scopes: ['tickets:read'] },
        { name: 'b', key: 'plain-local-key-0123456789', scopes: ['tickets:write'] },
      ],
      'API_KEYS.1: is the same key as entry 0',
    ],
    [[{ key: 'plain-local-key-0123456789', scopes: ['tickets:read'] }, { name: 'key-1', hash: H, scopes: ['tickets:read'] }], 'API_KEYS.1.name: "key-1"'],
  ])('refuses %j', (entries, message) => {
    expect(() => buildConfig(keys(entries))).toThrow(ConfigError);
    expect(() => buildConfig(keys(entries))).toThrow(message);
  });
});
