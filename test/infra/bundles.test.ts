/** Each Lambda bundle holds only what its function runs (built with the options CDK uses: lib/bundling.ts). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FAKE_ENV, NO_IO_EVENTS, initClosure } from '../../bench/bundles.ts';
import { LAMBDA_ENTRIES, WEBHOOKS_OUT_ENTRIES, esbuildOptions } from '../../lib/bundling.ts';
import type { LambdaName } from '../../lib/settings.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const builds = new Map<LambdaName, Promise<Metafile>>();
const metafileOf = (fn: LambdaName): Promise<Metafile> => {
  if (!builds.has(fn)) {
    const out = join(root, 'node_modules/.cache/bundle-test', fn, 'index.mjs');
    builds.set(fn, build({ ...esbuildOptions(join(root, 'functions', LAMBDA_ENTRIES[fn]), out), write: false, metafile: true, absWorkingDir: root }).then((r) => r.metafile));
  }
  return builds.get(fn)!;
};

async function inputsOf(fn: LambdaName): Promise<string[]> {
  return Object.keys((await metafileOf(fn)).inputs);
}

/** The inputs of what module init parses: index.mjs and the chunks it imports statically. */
async function initInputsOf(fn: LambdaName): Promise<string[]> {
  const meta = await metafileOf(fn);
  const entry = Object.keys(meta.outputs).find((o) => o.endsWith(`bundle-test/${fn}/index.mjs`))!;
  return [...initClosure(meta, entry)].flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
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

  it('every output is an ES module file (.mjs), so Lambda loads the chunks as ESM too', async () => {
    for (const fn of ['webhook', 'api', 'worker'] as const) {
      const outputs = Object.keys((await metafileOf(fn)).outputs);
      expect(outputs.length, fn).toBeGreaterThan(1); // split
      for (const o of outputs) expect(o, fn).toMatch(/\.mjs$/);
    }
  });
});

describe('what module init parses (code splitting: the rest loads on first use)', () => {
  // Secrets Manager: loaded only when PROVIDER_SECRETS_ARN is set (wiring/common.ts loadConfig).
  // The rules' zod schemas: only the rules and teams routes validate with them (core/rules/model.ts has the rest).
  // email-reply-parser: only the email channels' previews (core/email-preview.ts).
  const lazyEverywhere = ['re2js', '@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner', 'libphonenumber-js', 'functions/core/signals/', 'jose', 'nodemailer', '@aws-sdk/client-sesv2', '@aws-sdk/client-secrets-manager', 'functions/core/rules/schema.ts', 'email-reply-parser'];

  it('webhook: no provider module, MIME, HTML, signals, RE2, S3 or phone numbers at init; the router, store and queue are there', async () => {
    const inputs = await initInputsOf('webhook');
    for (const part of ['functions/channels/registry.ts', 'functions/core/services/ingest.ts', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']) expect(has(inputs, part), part).toBe(true);
    for (const part of [...lazyEverywhere, 'functions/channels/twilio/', 'functions/channels/sendgrid/', 'functions/channels/x/', 'postal-mime', 'busboy', 'html-to-text', 'functions/core/services/voice.ts']) {
      expect(has(inputs, part), part).toBe(false);
    }
    // ...but each is in the bundle, to load when a request needs it.
    const all = await inputsOf('webhook');
    for (const part of ['re2js', '@aws-sdk/client-s3', 'libphonenumber-js', 'functions/core/signals/', 'functions/channels/twilio/', 'postal-mime', 'email-reply-parser']) expect(has(all, part), part).toBe(true);
  });

  it('api: no route module (each loads on its first request), console assets, OpenAPI builder, signals, RE2, S3 or phone numbers at init', async () => {
    const inputs = await initInputsOf('api');
    for (const part of ['functions/api/service.ts', 'functions/api/route-modules.ts', 'functions/routing.ts', '@aws-sdk/client-dynamodb']) expect(has(inputs, part), part).toBe(true);
    for (const part of [...lazyEverywhere, 'functions/api/routes/', 'functions/api/all-routes.ts', 'functions/api/responses.ts', 'functions/api/console/assets.generated.ts', 'zod-openapi']) expect(has(inputs, part), part).toBe(false);
    // ...each route module is in the bundle, split into a chunk of its own.
    const meta = await metafileOf('api');
    const chunkEntries = Object.values(meta.outputs).flatMap((o) => (o.entryPoint ? [o.entryPoint] : []));
    for (const m of ['meta', 'console', 'tickets', 'contacts', 'reports', 'webhook-subscriptions', 'surveys', 'events-feed', 'admin', 'rules', 'teams']) expect(chunkEntries, m).toContain(`functions/api/routes/${m}.ts`);
  });

  it('worker: no SES, nodemailer, voice, signals, RE2, S3 or phone numbers at init', async () => {
    const inputs = await initInputsOf('worker');
    for (const part of ['functions/core/services/worker.ts', 'functions/adapters/senders.ts', '@aws-sdk/client-dynamodb', 'functions/core/rules/model.ts']) expect(has(inputs, part), part).toBe(true);
    for (const part of [...lazyEverywhere, 'functions/core/services/voice.ts']) expect(has(inputs, part), part).toBe(false);
  });
});

describe('no function builds node:http as an ES module at init', () => {
  // On Node 24 the ESM namespace of node:http reads its lazy undici getters: ~25 ms per cold start
  // (functions/adapters/webhook-http.ts takes it with process.getBuiltinModule instead).
  const entries = { ...LAMBDA_ENTRIES, ...WEBHOOKS_OUT_ENTRIES };
  it.each(Object.keys(entries) as Array<keyof typeof entries>)('%s', async (fn) => {
    const out = join(root, 'node_modules/.cache/bundle-test-http', fn, 'index.mjs');
    const meta = (await build({ ...esbuildOptions(join(root, 'functions', entries[fn]), out), write: false, metafile: true, absWorkingDir: root })).metafile;
    const entry = Object.keys(meta.outputs).find((o) => o.endsWith(`bundle-test-http/${fn}/index.mjs`))!;
    const builtins = [...initClosure(meta, entry)].flatMap((o) => meta.outputs[o]!.imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path));
    expect(builtins.length, fn).toBeGreaterThan(0); // the check reads the imports at all
    expect(builtins, fn).not.toContain('node:http');
    expect(builtins, fn).not.toContain('http');
  });
});

describe('every chunk loads from the built files', () => {
  const entries = { ...LAMBDA_ENTRIES, ...WEBHOOKS_OUT_ENTRIES };
  it.each(Object.keys(entries) as Array<keyof typeof entries>)(
    '%s: index.mjs answers a first request, then each lazy chunk imports, in a fresh Node process (as Lambda would load them); no code is compiled from strings',
    async (fn) => {
      const out = join(root, 'node_modules/.cache/bundle-load', fn, 'index.mjs');
      const r = await build({ ...esbuildOptions(join(root, 'functions', entries[fn]), out), metafile: true, absWorkingDir: root });
      const files = Object.keys(r.metafile.outputs).filter((o) => o.endsWith('.mjs')).map((o) => join(root, o));
      expect(files.length).toBeGreaterThan(1);
      const index = files.find((f) => f === out)!;
      const { event, expect: answer } = NO_IO_EVENTS[fn];
      // Count functions compiled from strings (zod's JIT would compile one per object schema it
      // parses: the configuration is one; ZOD_JITLESS in the banner turns that off).
      const script = [
        'let compiled=0;const F=globalThis.Function;',
        'globalThis.Function=new Proxy(F,{construct(t,a){compiled++;return Reflect.construct(t,a)},apply(t,s,a){compiled++;return Reflect.apply(t,s,a)}});',
        `const m=await import(${JSON.stringify(pathToFileURL(index).href)});`,
        `const answer=JSON.stringify(await m.handler(${JSON.stringify(event)},{getRemainingTimeInMillis:()=>10000}));`,
        `for(const f of ${JSON.stringify(files.map((f) => pathToFileURL(f).href))})await import(f);`,
        `console.log(JSON.stringify({loaded:${files.length},answer,compiled}));`,
      ].join('');
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env['PATH'] ?? '', ...FAKE_ENV }, timeout: 50_000, killSignal: 'SIGKILL' });
      const got = JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: number; answer: string; compiled: number };
      expect(got.loaded).toBe(files.length);
      expect(got.answer).toContain(answer);
      expect(got.compiled).toBe(0);
    },
    60_000,
  );
});
