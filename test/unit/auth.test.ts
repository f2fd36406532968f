/** API keys: hashed and plain entries, channel restrictions on the principal, new keys. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator, canSeeChannel, hashKey, KEY_HASH, KEY_PREFIX, newApiKey, requireScope } from '../../functions/core/auth.ts';

const HASHED = 'swk_hashed-key-0123456789abcdef';
const PLAIN = 'plain-local-key-0123456789';

describe('ApiKeyAuthenticator', () => {
  const auth = new ApiKeyAuthenticator([
    { name: 'inbox', hash: hashKey(HASHED), scopes: ['tickets:read', 'tickets:write'], channels: ['sms', 'whatsapp'] },
    { key: PLAIN, scopes: ['reports:read'] },
  ]);

  it('accepts a key by its hash and carries its name, scopes and channels', () => {
    const p = auth.authenticate(`Bearer ${HASHED}`);
    expect(p.name).toBe('inbox');
    expect([...p.scopes]).toEqual(['tickets:read', 'tickets:write']);
    expect(p.channels).toEqual(['sms', 'whatsapp']);
    expect(canSeeChannel(p, 'sms')).toBe(true);
    expect(canSeeChannel(p, 'email')).toBe(false);
  });

  it('still accepts a plain key (local use); without channels it sees every channel', () => {
    const p = auth.authenticate(`bearer ${PLAIN}`);
    expect(p.name).toBe('key-2');
    expect(p.channels).toBeUndefined();
    expect(canSeeChannel(p, 'email')).toBe(true);
    expect(() => requireScope(p, 'tickets:read')).toThrow(expect.objectContaining({ status: 403, code: 'forbidden' }));
  });

  it.each([
    ['the hash itself', `Bearer ${hashKey(HASHED)}`],
    ['the hex digest', `Bearer ${hashKey(HASHED).slice(7)}`],
    ['a near miss', `Bearer ${HASHED}x`],
    ['another scheme', `Basic ${HASHED}`],
    ['nothing', undefined],
  ])('401 for %s', (_, header) => {
    expect(() => auth.authenticate(header)).toThrow(expect.objectContaining({ status: 401, code: 'unauthorized' }));
  });

  it('refuses a malformed hash at construction (config validates it first)', () => {
    expect(() => new ApiKeyAuthenticator([{ name: 'x', hash: 'sha256:abc', scopes: ['tickets:read'] }])).toThrow(/64/);
  });
});

describe('hashKey and newApiKey', () => {
  it('hashKey is sha256: and the hex SHA-256 of the key', () => {
    expect(hashKey('abc')).toBe(`sha256:${createHash('sha256').update('abc').digest('hex')}`);
    expect(hashKey('abc')).toMatch(KEY_HASH);
  });

  it('new keys carry the prefix and 32 random bytes, base64url, and differ', () => {
    const keys = Array.from({ length: 50 }, newApiKey);
    for (const k of keys) {
      expect(k.startsWith(KEY_PREFIX)).toBe(true);
      const raw = Buffer.from(k.slice(KEY_PREFIX.length), 'base64url');
      expect(raw).toHaveLength(32);
      expect(k.slice(KEY_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });
});
