/**
 * functions/zod-jitless.ts and the bundles' banner (ZOD_JITLESS in lib/bundling.ts): zod builds no
 * parser with `new Function`. Each case runs in a fresh Node process (zod reads the flag when a schema
 * is built, and this test process has set it already), counting every function compiled from a string.
 * The case without the flag shows the count can fail: if zod stopped reading the global, the flagged
 * cases would count too.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ZOD_JITLESS } from '../../lib/bundling.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const moduleUrl = pathToFileURL(`${root}functions/zod-jitless.ts`).href;

/** Counts `new Function(...)` and `Function(...)`, then builds and parses object schemas; prints the count. */
const probe = (setup: string) => `
let compiled = 0;
const Real = globalThis.Function;
globalThis.Function = new Proxy(Real, { construct(t, a) { compiled++; return Reflect.construct(t, a); }, apply(t, s, a) { compiled++; return Reflect.apply(t, s, a); } });
${setup}
const z = await import('zod');
const S = z.object({ id: z.string().min(1), n: z.number().int(), inner: z.object({ a: z.boolean() }).strict(), tags: z.array(z.string()) });
const ok = S.parse({ id: 'x', n: 1, inner: { a: true }, tags: ['t'] });
const bad = S.safeParse({ id: '', n: 1.5, inner: { a: 1, b: 2 }, tags: 'no' });
process.stdout.write(JSON.stringify({ compiled, ok, issues: bad.success ? [] : bad.error.issues.map((i) => i.path.join('.') + ':' + i.code) }));
`;

async function run(setup: string): Promise<{ compiled: number; ok: unknown; issues: string[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe(setup)], { cwd: root, timeout: 20_000, killSignal: 'SIGKILL' });
  return JSON.parse(stdout) as { compiled: number; ok: unknown; issues: string[] };
}

describe('zod without its JIT', () => {
  it('by default zod compiles a parser for an object schema (what the flag turns off)', async () => {
    expect((await run('')).compiled).toBeGreaterThan(0);
  });

  it('functions/zod-jitless.ts: nothing compiled, same results and issues', async () => {
    const [jit, jitless] = [await run(''), await run(`await import(${JSON.stringify(moduleUrl)});`)];
    expect(jitless.compiled).toBe(0);
    expect(jitless.ok).toEqual(jit.ok);
    expect(jitless.issues).toEqual(jit.issues);
    expect(jitless.issues).toEqual(['id:too_small', 'n:invalid_type', 'inner.a:invalid_type', 'inner:unrecognized_keys', 'tags:invalid_type']);
  });

  it("the bundles' banner statement does the same, before zod is loaded", async () => {
    expect((await run(ZOD_JITLESS)).compiled).toBe(0);
  });

  it('set after zod has loaded, it still applies to schemas built afterwards', async () => {
    expect((await run(`await import('zod'); await import(${JSON.stringify(moduleUrl)});`)).compiled).toBe(0);
  });
});
