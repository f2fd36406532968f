/**
 * `npm run key -- create --name inbox --scopes tickets:read,tickets:write [--channels sms,whatsapp]`
 * `npm run key -- hash [<key>] --name inbox --scopes tickets:read`   (the key from stdin when left out)
 *
 * Makes API keys: `create` prints a new random key once, and the API_KEYS entry that holds only its
 * hash; `hash` makes the entry for a key you already have. The entry is checked with the same schema
 * the functions use, so what is printed is accepted by API_KEYS and the provider secret.
 * Exit codes: 0 done, 2 bad input (with the reason on stderr).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApiKeyEntrySchema } from '../functions/config.ts';
import { hashKey, newApiKey, SCOPES, type ApiKey } from '../functions/core/auth.ts';
import { CHANNELS } from '../functions/core/types.ts';

export const HELP = `Usage:
  npm run key -- create --name <name> --scopes <scope,...> [--channels <channel,...>] [--json]
  npm run key -- hash [<key>] --name <name> --scopes <scope,...> [--channels <channel,...>] [--json]

  create    a new random key (${'swk_'} + 32 random bytes, base64url), printed once, and its API_KEYS entry
  hash      the API_KEYS entry for an existing key (give it as an argument or on stdin)

  --name      the key's name: api:<name> in ticket events (1-64 of letters, digits, . _ -)
  --scopes    comma-separated: ${SCOPES.join(', ')}
  --channels  comma-separated, optional: the only channels the key may see (${CHANNELS.join(', ')})
  --json      print {"key", "entry"} as JSON instead of text
  --help      this text

Paste the entry into the API_KEYS array (environment, JSON) or the provider secret's "API_KEYS".
Only the hash is stored: a lost key cannot be recovered, make a new one.`;

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** The key for `hash` when not given as an argument (stdin). */
  readonly readKey: () => Promise<string | undefined>;
}

class UsageError extends Error {}

const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** The entry for a key, checked like API_KEYS (throws UsageError with every problem). */
function entryFor(key: string, v: { name?: string | undefined; scopes?: string | undefined; channels?: string | undefined }): ApiKey {
  if (v.name === undefined) throw new UsageError('--name is required');
  if (v.scopes === undefined) throw new UsageError(`--scopes is required (${SCOPES.join(', ')})`);
  const channels = list(v.channels);
  const r = ApiKeyEntrySchema.safeParse({ name: v.name, hash: hashKey(key), scopes: list(v.scopes), ...(channels ? { channels } : {}) });
  if (!r.success) {
    const flag = (p: PropertyKey | undefined) => (p === 'name' || p === 'scopes' || p === 'channels' ? `--${String(p)}` : 'entry');
    throw new UsageError(r.error.issues.map((i) => `${flag(i.path[0])}: ${i.message}`).join('; '));
  }
  return r.data;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { values: v, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        channels: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (v.help) {
      io.out(HELP);
      return 0;
    }
    if (command === 'create') {
      if (rest.length) throw new UsageError(`create takes no arguments (got "${rest.join(' ')}")`);
      const key = newApiKey();
      const entry = entryFor(key, v);
      if (v.json) io.out(JSON.stringify({ key, entry }));
      else {
        io.out(`New API key "${entry.name}" (shown once: store it now; only its hash is kept):\n\n  ${key}\n`);
        io.out(`Its entry for API_KEYS (or the provider secret's "API_KEYS" array):\n\n  ${JSON.stringify(entry)}`);
      }
      return 0;
    }
    if (command === 'hash') {
      if (rest.length > 1) throw new UsageError('hash takes one key');
      const key = (rest[0] ?? (await io.readKey()))?.replace(/\r?\n$/, '');
      if (!key) throw new UsageError('give the key as an argument or on stdin');
      if (!/^[\x21-\x7e]{16,256}$/.test(key)) throw new UsageError('the key must be 16-256 printable ASCII characters without spaces');
      const entry = entryFor(key, v);
      io.out(v.json ? JSON.stringify({ entry }) : JSON.stringify(entry));
      return 0;
    }
    throw new UsageError(command === undefined ? 'give a command: create or hash' : `unknown command "${command}" (create or hash)`);
  } catch (e) {
    // parseArgs' own errors (unknown option, missing value) are usage errors too.
    const usage = e instanceof UsageError || (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'));
    if (!usage) throw e;
    io.err(`npm run key: ${(e as Error).message}\nRun "npm run key -- --help" for usage.`);
    return 2;
  }
}

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  process.exitCode = await main(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s), readKey: readStdin });
}
