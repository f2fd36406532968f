/**
 * Cold starts as deployed: each Lambda bundle built exactly as `cdk synth` builds it (lib/bundling.ts),
 * run in a fresh Node process as a new Lambda container would (import = init, then the handler),
 * against the local engines through the SDK's endpoint variables. Part `cold` of `npm run bench`;
 * test/integration/bundled-functions.test.ts runs the same bundles this way.
 *
 *   node bench/cold.ts [runs]     # the figures on engines of its own (default 7 processes per function)
 *
 * Per process: init (the import), the first request (what a provider waits for on a cold start,
 * including the lazy chunks it loads, building the configuration and clients, and its DynamoDB and
 * SQS calls), then two more requests of the same kind (warm). Reported: medians over the processes,
 * and cold (init + first) ÷ warm, measured side by side in the same processes.
 */
import '../functions/zod-jitless.ts'; // first: the warm-up stack in this process parses as the functions do
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { LOCAL_DEFAULTS } from '../functions/config.ts';
import { LAMBDA_ENTRIES, esbuildOptions } from '../lib/bundling.ts';
import type { LambdaName } from '../lib/settings.ts';
import { startLocalStack, type LocalStack } from '../bin/local-stack.ts';
import { signedTwilio, twilioForm } from '../bin/simulate.ts';
import { httpEvent } from './bundles.ts';
import { api, phone, smsRequest, targetOf, timed } from './load.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const PUBLIC_BASE_URL = 'https://hooks.example.test';

/** Build one function as CDK does into `dir/<fn>/index.mjs` (its chunks beside it); returns the entry's path. */
export async function buildBundle(fn: LambdaName, dir: string): Promise<string> {
  const out = join(dir, fn, 'index.mjs');
  await build({ ...esbuildOptions(join(root, 'functions', LAMBDA_ENTRIES[fn]), out), absWorkingDir: root });
  return out;
}

/**
 * The environment a deployed function would have, pointed at a local stack's table and queues
 * (STAGE=local for the local provider secrets and API key). fauxqs names its queues
 * http://sqs.<region>.localhost:<port>/..., and the SQS client sends to a queue URL's own host
 * (useQueueUrlAsEndpoint), so the URLs are rewritten onto fauxqs's endpoint.
 * Not covered: S3 (fauxqs wants path-style addressing, which the deployed client does not set, so
 * no case here stores attachments). The provider secret comes from startSecretsStub's env, when given.
 */
export function lambdaEnv(stack: LocalStack, extra: Record<string, string> = {}): Record<string, string> {
  const c = stack.runtime.config;
  const onFauxqs = (url: string) => new URL(new URL(url).pathname, stack.endpoints.sqs).href;
  return {
    PATH: process.env['PATH'] ?? '',
    STAGE: 'local',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamo,
    AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
    TABLE_NAME: c.tableName,
    FOLLOWUP_QUEUE_URL: onFauxqs(c.followUpQueueUrl),
    INGEST_QUEUE_URL: onFauxqs(c.ingestQueueUrl),
    ATTACHMENTS_BUCKET: c.attachmentsBucket,
    PUBLIC_BASE_URL,
    ...extra,
  };
}

/** What a deployed function reads its provider secret from, served locally (bench/cold.ts's stub). */
export interface SecretsStub {
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER and PROVIDER_SECRETS_ARN for the function's environment. */
  readonly env: Record<string, string>;
  /** GetSecretValue calls answered. */
  readonly calls: () => number;
  close(): Promise<void>;
}

/**
 * A Secrets Manager stand-in for one secret: answers `GetSecretValue` (AWS JSON 1.1) for `arn` with
 * `secret` as its SecretString, anything else with the service's ResourceNotFoundException. There is
 * no local Secrets Manager; deployed functions read the provider secret on their first request.
 */
export async function startSecretsStub(secret: Record<string, string>, arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:support-providers-AbCdEf'): Promise<SecretsStub> {
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy(); // a GetSecretValue request is a few hundred bytes
      else chunks.push(c);
    });
    req.on('end', () => {
      let id: unknown;
      try {
        id = (JSON.parse(Buffer.concat(chunks).toString()) as { SecretId?: unknown }).SecretId;
      } catch {
        id = undefined;
      }
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || id !== arn) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
        return;
      }
      calls++;
      res.end(JSON.stringify({ ARN: arn, Name: 'support-providers', VersionId: 'v1', SecretString: JSON.stringify(secret), VersionStages: ['AWSCURRENT'], CreatedDate: 1_795_000_000 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: url, PROVIDER_SECRETS_ARN: arn },
    calls: () => calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface FreshRun {
  readonly initMs: number;
  /** One per event, in order: the first is the cold request. */
  readonly requests: ReadonlyArray<{ readonly ms: number; readonly result: any }>;
  /** The process's stdout and stderr (the function's logs and EMF). */
  readonly output: string;
}

const MARK = '@@fresh-run@@';

/**
 * A fresh Node process: import the bundle (init), then call its handler with each event in turn.
 * The events go through a file (an environment string is capped at 128 KiB); the process is killed
 * after `timeoutMs` if a handler never settles.
 */
export async function invokeFresh(bundle: string, env: Record<string, string>, events: readonly unknown[], name = 'support-function', timeoutMs = 60_000): Promise<FreshRun> {
  const dir = join(root, 'node_modules/.cache/fresh-events');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${randomBytes(6).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(events));
  const script = [
    `const events=JSON.parse(process.getBuiltinModule('node:fs').readFileSync(${JSON.stringify(file)},'utf8'));`,
    `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(bundle).href)});const initMs=performance.now()-t;`,
    'const requests=[];',
    `for(const e of events){const t2=performance.now();const result=await m.handler(e,{getRemainingTimeInMillis:()=>10000,awsRequestId:'fresh-'+requests.length,functionName:${JSON.stringify(name)}});requests.push({ms:performance.now()-t2,result});}`,
    `process.stdout.write('\\n${MARK}'+JSON.stringify({initMs,requests})+'\\n',()=>process.exit(0));`,
  ].join('');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' });
    const line = stdout.split('\n').find((l) => l.startsWith(MARK));
    if (!line) throw new Error(`no result from ${bundle}:\n${stdout}\n${stderr}`);
    return { ...(JSON.parse(line.slice(MARK.length)) as Omit<FreshRun, 'output'>), output: stdout + stderr };
  } finally {
    rmSync(file, { force: true });
  }
}

/** A Twilio SMS signed for PUBLIC_BASE_URL (with the local auth token unless given), as the webhook's event. */
export function twilioSmsEvent(from: string, body: string, authToken: string = LOCAL_DEFAULTS.TWILIO_AUTH_TOKEN) {
  const req = signedTwilio(PUBLIC_BASE_URL, authToken, twilioForm({ from, to: '+15550000001', body }));
  return httpEvent('POST', req.path, `POST ${req.path}`, { headers: req.headers, body: req.body });
}

/** A GET on the REST API with the local API key. */
export const apiGetEvent = (path: string, routeKey: string, pathParameters?: Record<string, string>) =>
  httpEvent('GET', path, routeKey, { headers: { authorization: `Bearer ${LOCAL_DEFAULTS.API_KEY}` }, ...(pathParameters ? { pathParameters } : {}) });

/**
 * Warm the engines' JVM and fauxqs through the stack's own handlers, so that what a cold function
 * measures is the function's cold start, not DynamoDB Local's (a fresh JVM took ~50 ms per
 * TransactWriteItems for its first requests against ~5 ms warm).
 */
export async function warmEngines(stack: LocalStack, n = 60): Promise<void> {
  const t = targetOf(stack);
  for (let i = 0; i < n; i++) await timed(t.baseUrl, smsRequest(t, phone(8_000_000 + i)));
  for (let i = 0; i < n / 3; i++) await api(t, 'GET', '/v1/tickets');
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export interface ColdFigures {
  readonly request: string;
  readonly runs: number;
  /** Medians over the processes, each apart (so init + first need not equal coldMs). */
  readonly initMs: number;
  readonly firstRequestMs: number;
  /** init + first request, median of the per-process sums. */
  readonly coldMs: number;
  /** Every process's init + first request, in run order. */
  readonly coldRunsMs: readonly number[];
  /** The same kind of request once warm: median over the later requests of every process. */
  readonly warmMs: number;
  readonly coldOverWarm: number;
}

const BENCH_TWILIO_TOKEN = 'bench-twilio-auth-token-from-the-secret';

/**
 * Cold starts of the webhook (a new SMS ticket) and the api (a ticket list), `runs` fresh processes
 * each, with the provider secret read from a Secrets Manager stand-in as deployed.
 */
export async function benchCold(runs = 7, stackIn?: LocalStack): Promise<{ webhook: ColdFigures; api: ColdFigures; how: string }> {
  const stack = stackIn ?? (await startLocalStack({ port: 0, worker: false, env: { ...process.env } }));
  const secrets = await startSecretsStub({ TWILIO_AUTH_TOKEN: BENCH_TWILIO_TOKEN });
  try {
    await warmEngines(stack);
    const dir = join(root, 'node_modules/.cache/bench-cold');
    // As deployed, the provider secrets come from Secrets Manager on the first request.
    const env = lambdaEnv(stack, secrets.env);
    const cases = {
      webhook: { bundle: await buildBundle('webhook', dir), request: 'a signed Twilio SMS that opens a ticket', events: (i: number) => [0, 1, 2].map((k) => twilioSmsEvent(`+1555${String(2_000_000 + i * 3 + k).padStart(7, '0')}`, 'My parcel has not arrived yet, can you help?', BENCH_TWILIO_TOKEN)), ok: (r: any) => r?.statusCode === 200 },
      api: { bundle: await buildBundle('api', dir), request: 'GET /v1/tickets (first page)', events: () => [0, 1, 2].map(() => apiGetEvent('/v1/tickets', 'GET /v1/tickets')), ok: (r: any) => r?.statusCode === 200 },
    };
    const out: Record<string, ColdFigures> = {};
    for (const [fn, c] of Object.entries(cases)) {
      const runsOf: FreshRun[] = [];
      for (let i = 0; i < runs; i++) {
        const run = await invokeFresh(c.bundle, env, c.events(i), `support-${fn}`);
        const bad = run.requests.find((q) => !c.ok(q.result));
        if (bad) throw new Error(`${fn}: unexpected answer ${JSON.stringify(bad.result).slice(0, 300)}\n${run.output.slice(-2000)}`);
        runsOf.push(run);
      }
      const cold = median(runsOf.map((r) => r.initMs + r.requests[0]!.ms));
      const warm = median(runsOf.flatMap((r) => r.requests.slice(1).map((q) => q.ms)));
      out[fn] = { request: c.request, runs, initMs: r1(median(runsOf.map((r) => r.initMs))), firstRequestMs: r1(median(runsOf.map((r) => r.requests[0]!.ms))), coldMs: r1(cold), coldRunsMs: runsOf.map((r) => r1(r.initMs + r.requests[0]!.ms)), warmMs: r1(warm), coldOverWarm: Math.round((cold / warm) * 100) / 100 };
    }
    return {
      webhook: out['webhook']!,
      api: out['api']!,
      how: `each of ${runs} fresh Node processes per function imports the bundle as cdk synth builds it (init), then handles three requests of one kind on the local engines, its provider secret read on the first from a local Secrets Manager stand-in; cold = init + the first (median of the per-process sums), warm = the later two; medians`,
    };
  } finally {
    await secrets.close();
    if (!stackIn) await stack.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 7);
  const f = await benchCold(runs > 0 ? runs : 7);
  console.log('function  request                                      init ms  first request ms  cold ms  warm ms  cold ÷ warm');
  for (const fn of ['webhook', 'api'] as const) {
    const x = f[fn];
    console.log(`${fn.padEnd(9)} ${x.request.padEnd(44)} ${String(x.initMs).padStart(7)}  ${String(x.firstRequestMs).padStart(16)}  ${String(x.coldMs).padStart(7)}  ${String(x.warmMs).padStart(7)}  ${String(x.coldOverWarm).padStart(11)}`);
  }
  console.log(f.how);
}
