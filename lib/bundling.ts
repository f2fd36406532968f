/**
 * How the Lambdas are bundled: the one place both CDK (lib/lambda-code.ts, esbuild's API inside the
 * asset's local bundling) and bench/bundles.ts read, so the figures the bench reports are those of
 * the bundles `cdk synth` produces. No aws-cdk-lib import
 * here: the bench loads this file without CDK.
 */
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import type { LambdaName } from './settings.ts';

/** Each function's entry, relative to functions/. */
export const LAMBDA_ENTRIES: Readonly<Record<LambdaName, string>> = {
  webhook: 'webhook/handler.ts',
  api: 'api/handler.ts',
  worker: 'worker/handler.ts',
};

/** The outbound-webhook functions (lib/webhooks-out.ts), built with the same options. */
export const WEBHOOKS_OUT_ENTRIES = {
  dispatcher: 'webhooks-out/dispatcher.ts',
  delivery: 'webhooks-out/delivery.ts',
} as const;

/**
 * The choices, each measured with `node bench/bundles.ts` (module-init medians of 7 fresh processes,
 * 2-core machine; see the figures in bench/bundles.ts's header):
 * - format ESM, target node24: the runtime's own module system; no down-levelling.
 * - minify: smaller files parse faster.
 * - externalModules []: the AWS SDK v3 is bundled and tree-shaken, not loaded from the runtime's
 *   copy (whole CommonJS packages resolved file by file). Bundled is larger (+530 KB on the api)
 *   but starts faster: api 119 -> 102 ms, worker 115 -> 94 ms, webhook 141 -> 131 ms; it also pins
 *   the SDK version we test with.
 * - no source maps: `--enable-source-maps` cost 25-40 ms of init (webhook 128 -> 152 ms, api
 *   102 -> 142 ms); stack traces then name minified functions, but every error we log carries its
 *   message and our ids.
 * - keepNames off: +5 % size and ~4 ms init for readable function names only.
 * - mainFields module,main: prefer ESM builds so tree-shaking works across dependencies.
 * - splitting: ESM code splitting. What a function reaches only through `await import()` (the provider
 *   it was not called for, MIME and HTML parsing, RE2, the S3 client, the console's assets, the
 *   senders) is written to its own file under chunks/ and parsed on first use, not at init. Every
 *   output is .mjs so Lambda's Node loads each as ESM. NodejsFunction can only write one file, so CDK
 *   builds the asset through lib/lambda-code.ts with exactly these options.
 *   Measured (parsed at init / all files, init median): webhook 1673 KB 138 ms -> 546 / 1736 KB 65 ms,
 *   api 1544 KB 143 ms -> 668 / 1592 KB 91 ms, worker 1529 KB 118 ms -> 566 / 1624 KB 72 ms, with the
 *   lazy imports that go with it (bench/bundles.ts's header).
 * - the SDK's default credential chain is replaced by env + container credentials
 *   (functions/adapters/lambda-credentials.ts): Lambda always sets the role's credentials in the
 *   environment; the SSO/ini/process/web-identity/STS providers were -111 KB per function
 *   (webhook 1285 -> 1174 KB, api 818 -> 706 KB, worker 873 -> 758 KB) and 5-40 ms of init.
 */
/**
 * What functions/zod-jitless.ts does, as one statement for the bundles' banner: object schemas parse
 * without compiling a parser through `new Function` on their first use (most of our parses are once
 * per container). A function's first request, no I/O: 14-15 -> 9-13 ms (functions/zod-jitless.ts).
 */
export const ZOD_JITLESS = '(globalThis.__zod_globalConfig ??= {}).jitless = true;';

export const BUNDLING = {
  format: 'esm',
  target: 'node24',
  minify: true,
  sourceMap: false,
  keepNames: false,
  externalModules: [] as string[],
  mainFields: ['module', 'main'],
  splitting: true as boolean,
  alias: { '@aws-sdk/credential-provider-node': fileURLToPath(new URL('../functions/adapters/lambda-credentials.ts', import.meta.url)) } as Record<string, string>,
  // Some dependencies are CommonJS and call require(); give ESM bundles one. Then zod without its
  // JIT (ZOD_JITLESS above): in every file, so it runs before any chunk builds a schema.
  banner: `import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url); ${ZOD_JITLESS}`,
} as const;

/** Extra environment for every function (only what the bundling choices above need). */
export const BUNDLE_ENVIRONMENT: Readonly<Record<string, string>> = BUNDLING.sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {};

/**
 * The esbuild options for one function: what CDK builds (lib/lambda-code.ts) and what the bench
 * measures. `outfile` names the entry file (index.mjs); with splitting on, its folder is the output
 * folder and the chunks go to chunks/ beside it.
 * `overrides` lets the bench try alternatives without touching what CDK builds.
 */
export function esbuildOptions(entryPoint: string, outfile: string, overrides: Partial<typeof BUNDLING> = {}): BuildOptions {
  const b = { ...BUNDLING, ...overrides };
  return {
    entryPoints: [entryPoint],
    ...(b.splitting
      ? { outdir: dirname(outfile), entryNames: basename(outfile).replace(/\.m?js$/, ''), chunkNames: 'chunks/[name]-[hash]', splitting: true, outExtension: { '.js': '.mjs' } }
      : { outfile }),
    bundle: true,
    platform: 'node',
    target: b.target,
    format: b.format,
    minify: b.minify,
    ...(b.sourceMap ? { sourcemap: true } : {}),
    external: [...b.externalModules],
    ...(b.keepNames ? { keepNames: true } : {}),
    banner: { js: b.banner },
    mainFields: [...b.mainFields],
    alias: { ...b.alias },
    logLevel: 'silent',
  };
}
