/**
 * Where we may POST a webhook (issue 13): deployed, only https URLs whose every resolved address is
 * public (no private, loopback, link-local, carrier-grade NAT, documentation, multicast or reserved
 * ranges, including IPv4 embedded in IPv6); locally, http to localhost too. The resolver is passed
 * in so the check is pure, and the delivery must connect to the addresses checked here (no second
 * lookup an attacker's DNS could answer differently).
 */
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), -compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedV4(ip: string): string | undefined {
  const m = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return undefined;
  const a = parseInt(hex[1]!, 16);
  const b = parseInt(hex[2]!, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return !blocked.check(ip, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedV4(ip.toLowerCase());
  if (v4) return isPublicAddress(v4);
  return !blocked.check(ip, 'ipv6');
}

export type TargetCheck =
  | { readonly ok: true; readonly url: URL; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly reason: string };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Check a subscription URL; `resolve` returns every address of a host name (A and AAAA). */
export async function checkTarget(raw: string, local: boolean, resolve: (host: string) => Promise<readonly string[]>): Promise<TargetCheck> {
  if (raw.length > 2048) return { ok: false, reason: 'the URL is longer than 2048 characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not allowed' };
  const localTarget = local && url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !localTarget) return { ok: false, reason: local ? 'use https, or http to localhost' : 'use https' };
  if (localTarget) return { ok: true, url, addresses: [] };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: readonly string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      return { ok: false, reason: `the host ${host} does not resolve` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `the host ${host} does not resolve` };
  const inner = addresses.find((a) => !isPublicAddress(a));
  if (inner !== undefined) return { ok: false, reason: `the host resolves to a non-public address (${inner})` };
  return { ok: true, url, addresses };
}
