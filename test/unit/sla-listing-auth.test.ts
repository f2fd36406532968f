import { describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator, requireScope } from '../../functions/core/auth.ts';
import { shardOf } from '../../functions/core/listing.ts';
import { delayUntil } from '../../functions/core/sla.ts';

describe('SLA', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  it('delays in hops of at most 900 s and never negative', () => {
    expect(delayUntil(now, '2026-01-01T04:00:00.000Z')).toBe(900);
    expect(delayUntil(now, '2026-01-01T00:05:00.000Z')).toBe(300);
    expect(delayUntil(now, '2025-12-31T00:00:00.000Z')).toBe(0);
  });
});

describe('listing', () => {
  it('shards deterministically within range and spreads ids', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `01ABCDEFGHJKMNPQRSTVWX${String(i).padStart(4, '0')}`);
    const shards = ids.map((id) => shardOf(id, 4));
    expect(shards.every((s) => s >= 0 && s < 4)).toBe(true);
    expect(shardOf(ids[7]!, 4)).toBe(shards[7]);
    for (let s = 0; s < 4; s++) expect(shards.filter((x) => x === s).length).toBeGreaterThan(50);
  });
});

describe('API keys', () => {
  const auth = new ApiKeyAuthenticator([
    { key: 'reader-key-0123456789', scopes: ['tickets:read'], name: 'reporting' },
    { key: 'writer-key-0123456789', scopes: ['tickets:read', 'tickets:write'] },
  ]);
  it('authenticates bearer keys and names the principal', () => {
    expect(auth.authenticate('Bearer reader-key-0123456789').name).toBe('reporting');
    expect(auth.authenticate('bearer writer-key-0123456789').name).toBe('key-2');
  });
  it.each([undefined, '', 'Basic abc', 'Bearer', 'Bearer wrong-key', 'Bearer reader-key-0123456789x'])('401 for %s', (h) => {
    expect(() => auth.authenticate(h)).toThrow(expect.objectContaining({ status: 401 }));
  });
  it('403 without the scope', () => {
    expect(() => requireScope(auth.authenticate('Bearer reader-key-0123456789'), 'tickets:write')).toThrow(expect.objectContaining({ status: 403 }));
  });
});
