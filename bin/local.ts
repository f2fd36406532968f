/**
 * `npm start`: the whole system locally on real engines. Options:
 *   --persist [dir]   keep DynamoDB Local and fauxqs state in a folder (default .local-data), also LOCAL_DATA_DIR
 *   PORT=3000         HTTP port for webhooks and the REST API
 *
 * It says what it does: the settings are checked first (every bad variable named, nothing started),
 * then one short line per start-up step, then one line per HTTP request. DynamoDB Local's JVM never
 * outlives it: it is stopped on every exit path, a watchdog stops it if this process is killed, and
 * one an earlier run left behind (recorded in .local-data/dynamodb-local.pid) is stopped at start.
 */
import '../functions/zod-jitless.ts'; // first: before any schema is built, as in the bundles
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError, LOCAL_DEFAULTS } from '../functions/config.ts';
import { describeStaleJvm, MissingJavaError, portHolder } from './local-engines.ts';
import { endpointsFile, removeEndpoints, writeEndpoints } from './local-endpoints.ts';
import { checkLocalSettings, startLocalStack, type LocalStack, type StackEvent } from './local-stack.ts';

const STEPS = 5;
const step = (n: number, text: string) => `[${n}/${STEPS}] ${text}`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function dataDirFromArgs(argv: string[]): string | undefined {
  const i = argv.indexOf('--persist');
  if (i === -1) return process.env['LOCAL_DATA_DIR'] || undefined;
  const next = argv[i + 1];
  return next && !next.startsWith('--') ? next : '.local-data';
}

/** "Invalid configuration: A: x; B: y" as one line per variable. */
export function configProblems(e: ConfigError): string[] {
  return e.message
    .replace(/^Invalid configuration:\s*/, '')
    .split(/;\s+/)
    .filter(Boolean);
}

/** Can a server listen on this port now? */
const portIsFree = (port: number): Promise<boolean> =>
  new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });

/** The first free port after `port` (at most `tries` looked at), to suggest when `port` is taken. */
async function nextFreePort(port: number, tries = 20): Promise<number | undefined> {
  for (let p = port + 1; p <= Math.min(port + tries, 65_535); p++) if (await portIsFree(p)) return p;
  return undefined;
}

/** Fail now, with what to do, if the HTTP port is taken (before a JVM is started for nothing). */
function checkPortFree(port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') return fail(e);
      const holder = portHolder(port);
      void nextFreePort(port).then((free) =>
        fail(
          new StartError(
            `port ${port} (PORT) is already in use${holder ? ` by ${holder}` : ''}. ` +
              `Stop that process${holder ? '' : ` (find it with: ss -ltnp 'sport = :${port}' or lsof -i :${port})`}, or start on another port: ` +
              (free ? `PORT=${free} npm start (free now)` : 'PORT=<a free port> npm start'),
          ),
        ),
      );
    });
    s.listen(port, '127.0.0.1', () => s.close(() => ok()));
  });
}

class StartError extends Error {}

/** A line begun with "starting..." and not yet finished (an error must start on a line of its own). */
let openLine = false;

function progress(e: StackEvent): void {
  switch (e.kind) {
    case 'stale-jvm': {
      const line = describeStaleJvm(e.report);
      if (line) console.log(`      ${line}`);
      return;
    }
    case 'dynamo-starting':
      // Finished by 'dynamo-ready' on the same line (fauxqs reports after it).
      process.stdout.write(step(2, `DynamoDB Local starting (Java ${e.java}, port ${e.port})... `));
      openLine = true;
      return;
    case 'dynamo-ready':
      openLine = false;
      console.log(`ready in ${secs(e.ms)}`);
      return;
    case 'fauxqs-ready':
      console.log(step(3, `fauxqs (SQS, S3) ready in ${secs(e.ms)} at ${e.endpoint}`));
      return;
    case 'resources-created':
      console.log(step(4, `table ${e.table}, queues and bucket created in ${secs(e.ms)}`));
      return;
    case 'http-listening':
      console.log(step(5, `HTTP listening on ${e.url}`));
      return;
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const dataDir = dataDirFromArgs(process.argv.slice(2));
  // 1. Settings, exactly as the stack will build them; nothing has started yet.
  const settings = checkLocalSettings(process.env);
  await checkPortFree(settings.port);
  const where = settings.port === 0 ? 'any free port' : `port ${settings.port}, public URL ${settings.publicBaseUrl}`;
  console.log(step(1, `settings ok (${where}, data ${dataDir ? `in ${dataDir}` : 'in memory'})`));

  let stack: LocalStack | undefined;
  let stopping = false;
  const shutdown = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`${why}: stopping (HTTP, worker, fauxqs, DynamoDB Local)...`);
    // If stopping hangs, exit anyway: the 'exit' hook and the watchdog still take the JVM down.
    setTimeout(() => process.exit(code || 1), 10_000).unref();
    (stack ? stack.stop() : Promise.resolve())
      .then(() => process.exit(code))
      .catch((e: unknown) => {
        console.error('error while stopping:', e instanceof Error ? e.message : e);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGHUP', () => shutdown('SIGHUP', 0));
  const fatal = (e: unknown) => {
    console.error('fatal:', e instanceof Error ? (e.stack ?? e.message) : e);
    shutdown('fatal error', 1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  stack = await startLocalStack({
    dataDir,
    port: settings.port,
    pidFile: resolve('.local-data', 'dynamodb-local.pid'),
    onEvent: progress,
    requestLog: (line) => console.log(line),
    throttle: true, // per-route 429s as deployed; LOCAL_THROTTLE=off turns them off
  });
  // Tools run beside it (npm run redrive) find the engines and queues here; removed on stop.
  const endpoints = endpointsFile();
  writeEndpoints(endpoints, { pid: process.pid, url: stack.url, dynamo: stack.endpoints.dynamo, sqs: stack.endpoints.sqs, queues: stack.queues });
  process.on('exit', () => removeEndpoints(endpoints));
  const apiKey = process.env['API_KEYS'] ? '(from API_KEYS)' : LOCAL_DEFAULTS.API_KEY;
  console.log(`ready: ${stack.url} in ${secs(Date.now() - t0)} (public URL ${stack.runtime.config.publicBaseUrl})`);
  console.log(`  webhooks  ${stack.url}/webhooks/<twilio|meta|telegram|x|vonage|messagebird|sendgrid|mailgun|postmark|ses>`);
  console.log(`  voice     ${stack.url}/webhooks/twilio/voice (+ /status)   ${stack.url}/webhooks/vonage/voice/answer (+ /event)`);
  console.log(`  API       ${stack.url}/v1/tickets  (dev API key ${apiKey})   health ${stack.url}/health`);
  console.log(`  console   ${stack.url}/console  (enter the API key there)   OpenAPI ${stack.url}/openapi.json`);
  console.log(`  engines   DynamoDB Local ${stack.endpoints.dynamo}, fauxqs ${stack.endpoints.sqs}; data ${dataDir ?? 'in memory'}`);
  const portPrefix = stack.port === 3000 ? '' : `PORT=${stack.port} `;
  console.log(`  try       ${portPrefix}npm run simulate -- twilio --body "Hello"   (in another terminal; Ctrl-C here stops everything)`);
}

main().catch((e: unknown) => {
  if (openLine) process.stdout.write('failed\n');
  if (e instanceof ConfigError) {
    console.error('npm start: invalid settings; nothing was started:');
    for (const p of configProblems(e)) console.error(`  ${p}`);
    console.error('Fix or unset these variables (unset ones take the local defaults) and run npm start again.');
  } else if (e instanceof MissingJavaError || e instanceof StartError) {
    console.error(`npm start: ${e.message}`);
  } else {
    console.error('npm start: the local stack failed to start:', e instanceof Error ? e.message : e);
  }
  process.exit(1);
});
