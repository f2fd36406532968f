import { describe, expect, it } from 'vitest';
import { checkTarget, isPublicAddress } from '../../functions/core/events-out/ssrf.ts';

describe('isPublicAddress', () => {
  it.each([
    '10.1.2.3', '127.0.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1',
    '255.255.255.255', '198.18.0.1', '192.0.2.5', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '2001:db8::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '::ffff:10.0.0.1', 'not an ip', '',
  ])('%s is not public', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('checkTarget', () => {
  const dns = (map: Record<string, string[]>) => async (host: string) => {
    if (!(host in map)) throw new Error('ENOTFOUND');
    return map[host]!;
  };

  it('deployed: https to a public host only', async () => {
    const resolve = dns({ 'hooks.example.com': ['93.184.216.34'], 'evil.example.com': ['93.184.216.34', '10.0.0.5'], 'meta.example.com': ['169.254.169.254'] });
    expect(await checkTarget('https://hooks.example.com/in', false, resolve)).toMatchObject({ ok: true, addresses: ['93.184.216.34'] });
    expect(await checkTarget('http://hooks.example.com/in', false, resolve)).toMatchObject({ ok: false, reason: 'use https' });
    expect(await checkTarget('https://evil.example.com/', false, resolve)).toMatchObject({ ok: false, reason: expect.stringContaining('10.0.0.5') });
    expect(await checkTarget('https://meta.example.com/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkTarget('https://127.0.0.1/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkTarget('https://[::ffff:7f00:1]/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkTarget('https://localhost/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkTarget('https://nowhere.example.com/', false, resolve)).toMatchObject({ ok: false, reason: expect.stringContaining('does not resolve') });
    expect(await checkTarget('https://user:pw@hooks.example.com/', false, resolve)).toMatchObject({ ok: false });
    expect(await checkTarget('not a url', false, resolve)).toMatchObject({ ok: false });
  });

  it('locally: http to localhost is allowed too', async () => {
    const resolve = dns({});
    expect(await checkTarget('http://localhost:4000/hooks', true, resolve)).toMatchObject({ ok: true });
    expect(await checkTarget('http://127.0.0.1:4000/hooks', true, resolve)).toMatchObject({ ok: true });
    expect(await checkTarget('http://10.0.0.1/hooks', true, resolve)).toMatchObject({ ok: false });
  });
});
