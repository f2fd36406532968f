/** Each Lambda bundle holds only what its function runs (built with the options CDK uses: lib/bundling.ts). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENTRIES, esbuildOptions } from '../../lib/bundling.ts';
import type { LambdaName } from '../../lib/settings.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function inputsOf(fn: LambdaName): Promise<string[]> {
  const r = await build({ ...esbuildOptions(join(root, 'functions', LAMBDA_ENTRIES[fn]), join(root, 'node_modules/.cache/bundle-test', fn, 'index.mjs')), write: false, metafile: true, absWorkingDir: root });
  return Object.keys(r.metafile.inputs);
}

const has = (inputs: string[], part: string) => inputs.some((i) => i.includes(part));

describe('per-function bundles', () => {
  it('webhook: channels, DynamoDB, SQS, S3; no senders, no SES, no presigner', async () => {
    const inputs = await inputsOf('webhook');
    for (const part of ['functions/channels/registry.ts', 'postal-mime', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs', '@aws-sdk/client-s3']) expect(has(inputs, part), part).toBe(true);
    for (const part of ['nodemailer', '@aws-sdk/client-sesv2', '@aws-sdk/s3-request-presigner', 'functions/adapters/senders.ts', 'functions/adapters/email-sender.ts', 'functions/api/']) expect(has(inputs, part), part).toBe(false);
  });

  it('api: DynamoDB, SQS, S3 presigner; no channel parsers, no senders', async () => {
    const inputs = await inputsOf('api');
    for (const part of ['@aws-sdk/s3-request-presigner', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']) expect(has(inputs, part), part).toBe(true);
    for (const part of ['functions/channels/', 'postal-mime', 'busboy', 'html-to-text', 'nodemailer', '@aws-sdk/client-sesv2', 'functions/adapters/senders.ts']) expect(has(inputs, part), part).toBe(false);
  });

  it('worker: DynamoDB, SQS, SES, the senders and S3 (call recordings); no provider verification or parsing', async () => {
    const inputs = await inputsOf('worker');
    for (const part of ['@aws-sdk/client-sesv2', 'nodemailer', 'functions/adapters/senders.ts', 'functions/core/services/ingest.ts', '@aws-sdk/client-s3']) expect(has(inputs, part), part).toBe(true);
    for (const part of ['functions/channels/', 'postal-mime', 'busboy', 'html-to-text', '@aws-sdk/s3-request-presigner']) expect(has(inputs, part), part).toBe(false);
  });

  it.each(['webhook', 'api', 'worker'] as const)('%s: the SDK credential chain is env + container only (no SSO, ini, process, STS)', async (fn) => {
    const inputs = await inputsOf(fn);
    expect(has(inputs, 'functions/adapters/lambda-credentials.ts')).toBe(true);
    for (const part of ['@aws-sdk/credential-provider-node', '@aws-sdk/credential-provider-sso', '@aws-sdk/credential-provider-ini', '@aws-sdk/credential-provider-process', '@aws-sdk/nested-clients']) {
      expect(has(inputs, part), part).toBe(false);
    }
  });
});
