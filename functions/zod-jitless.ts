/**
 * zod without its JIT: object schemas parse on zod's ordinary path instead of compiling a parser
 * with `new Function` the first time each one is used. Every function runs this way (lib/bundling.ts
 * puts the same statement, ZOD_JITLESS, at the top of every bundle file), and so do `npm start`
 * (bin/local-stack.ts) and the tests (vitest.config.ts), so all three parse alike.
 *
 * Why: most of our parses happen once per container (the configuration, a provider's first payload,
 * each route's first body), where compiling costs more than it saves. Measured (bench/bundles.ts,
 * side by side): a function's first request, no I/O, 14-15 -> 9-13 ms; the first parse of an
 * 8-field object 2.2 -> 1.2 ms; a warm parse of it 0.3 -> 0.9 us (a webhook request makes a few).
 *
 * It must run before any object schema is built (zod reads the flag in the schema's constructor),
 * hence a global that zod reads when it loads rather than `z.config()` after an import: a bundler
 * may evaluate a shared chunk's schemas before the entry's own code. Idempotent; zod need not be
 * loaded yet. test/unit/zod-jitless.test.ts fails if zod stops honouring it.
 */
const g = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
g.__zod_globalConfig ??= {};
g.__zod_globalConfig.jitless = true;

export {};
