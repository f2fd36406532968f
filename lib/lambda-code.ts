/**
 * A function's code asset, built as lib/bundling.ts says (esbuild's API, code splitting: index.mjs
 * plus chunks/). NodejsFunction cannot do this: it passes `--outfile`, and esbuild writes split chunks
 * only to an output folder. This does what NodejsFunction does otherwise: bundle locally at synth
 * (never Docker), hash the output, and point the handler at index.handler.
 */
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildOptions } from './bundling.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The handler every bundled function exports (index.mjs → `handler`). */
export const BUNDLED_HANDLER = 'index.handler';

/** The asset for the function whose entry is `functions/<entry>`. */
export function bundledCode(entry: string): lambda.Code {
  const entryPoint = join(root, 'functions', entry);
  return lambda.Code.fromAsset(root, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
      // CDK caches staged assets by their options, and the function in `local` is not part of that
      // key: without the entry in it every function would get the first one's bundle.
      environment: { BUNDLED_ENTRY: entry },
      local: {
        tryBundle(outputDir: string): boolean {
          buildSync({ ...esbuildOptions(entryPoint, join(outputDir, 'index.mjs')), absWorkingDir: root });
          return true;
        },
      },
    },
  });
}
