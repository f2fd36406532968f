/** `npm run key` (scripts/key.ts), run as a process: what it prints authenticates through API_KEYS. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../functions/config.ts';
import { ApiKeyAuthenticator, KEY_PREFIX } from '../../functions/core/auth.ts';
import { main } from '../../scripts/key.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/key.ts', import.meta.url));
const queues = { FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i' };

const run = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', input: input ?? '', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** The entry as API_KEYS holds it, through the functions' own config parser and authenticator. */
const authenticatorFor = (entry: unknown) => new ApiKeyAuthenticator(buildConfig({ ...queues, API_KEYS: JSON.stringify([entry]) }).apiKeys);

describe('npm run key', () => {
  it('create prints a new key once and an entry holding only its hash, which authenticates it', () => {
    const r = run(['create', '--name', 'inbox', '--scopes', 'tickets:read,tickets:write', '--channels', 'sms,whatsapp']);
    expect(r.code, r.err).toBe(0);
    const key = new RegExp(`^  (${KEY_PREFIX}[A-Za-z0-9_-]{43})$`, 'm').exec(r.out)?.[1];
    expect(key).toBeDefined();
    expect(r.out.split(key!)).toHaveLength(2); // printed exactly once
    const entry = JSON.parse(/^ {2}(\{.*\})$/m.exec(r.out)![1]!);
    expect(entry).toEqual({ name: 'inbox', hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), scopes: ['tickets:read', 'tickets:write'], channels: ['sms', 'whatsapp'] });
    expect(JSON.stringify(entry)).not.toContain(key!);
    const p = authenticatorFor(entry).authenticate(`Bearer ${key}`);
    expect(p).toMatchObject({ name: 'inbox', channels: ['sms', 'whatsapp'] });
    expect([...p.scopes]).toEqual(['tickets:read', 'tickets:write']);
    expect(() => authenticatorFor(entry).authenticate(`Bearer ${key}x`)).toThrow(expect.objectContaining({ status: 401 }));
  });

  it('create makes a different key each time (--json)', () => {
    const a = JSON.parse(run(['create', '--name', 'a', '--scopes', 'reports:read', '--json']).out);
    const b = JSON.parse(run(['create', '--name', 'a', '--scopes', 'reports:read', '--json']).out);
    expect(a.key).not.toBe(b.key);
    expect(a.entry.hash).not.toBe(b.entry.hash);
    expect(authenticatorFor(a.entry).authenticate(`Bearer ${a.key}`).name).toBe('a');
  });

  it('hash makes the entry for an existing key, from the argument or stdin', () => {
    const existing = 'an-existing-key-0123456789';
    const fromArg = run(['hash', existing, '--name', 'legacy', '--scopes', 'tickets:read']);
    const fromStdin = run(['hash', '--name', 'legacy', '--scopes', 'tickets:read'], `${existing}\n`);
    expect(fromArg.code, fromArg.err).toBe(0);
    expect(fromStdin.out).toBe(fromArg.out);
    expect(fromArg.out).not.toContain(existing);
    const entry = JSON.parse(fromArg.out);
    expect(authenticatorFor(entry).authenticate(`Bearer ${existing}`).name).toBe('legacy');
  });

  it('--help explains the commands', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['create', 'hash', '--name', '--scopes', '--channels', 'tickets:write', 'whatsapp']) expect(r.out).toContain(word);
  });

  it('bad input exits 2 with the reason on stderr and nothing on stdout', () => {
    const r = run(['create', '--name', 'x', '--scopes', 'root']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--scopes: Invalid option');
    expect(r.out).toBe('');
  });

  // The same checks in-process (main is what the process runs), without a process each.
  it.each([
    [[], 'give a command'],
    [['rotate'], 'unknown command "rotate"'],
    [['create', '--scopes', 'tickets:read'], '--name is required'],
    [['create', '--name', 'x'], '--scopes is required'],
    [['create', '--name', 'has space', '--scopes', 'tickets:read'], '--name: must be 1-64'],
    [['create', '--name', 'x', '--scopes', 'tickets:read', '--channels', 'fax'], '--channels: Invalid option'],
    [['create', '--name', 'x', '--scopes', 'tickets:read', '--channels', 'sms,sms'], '--channels: lists a channel twice'],
    [['create', '--name', 'x', '--scopes', 'tickets:read', '--bogus'], "Unknown option '--bogus'"],
    [['create', 'extra', '--name', 'x', '--scopes', 'tickets:read'], 'create takes no arguments'],
    [['hash', '--name', 'x', '--scopes', 'tickets:read'], 'give the key as an argument or on stdin'],
    [['hash', 'short', '--name', 'x', '--scopes', 'tickets:read'], '16-256 printable ASCII'],
  ])('exit 2 with a clear message: %j', async (args, message) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), readKey: async () => undefined });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(err.join('\n')).toContain('npm run key -- --help');
    expect(out).toEqual([]);
  });
});
