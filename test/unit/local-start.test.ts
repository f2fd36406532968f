/**
 * `npm start` talks, and DynamoDB Local's JVM never outlives it: settings checked before anything
 * starts, the stale-JVM check, the per-request line and how outcomes reach it, and one real start
 * whose node process is SIGKILLed (the watchdog must take the JVM down).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clearStaleJvm, describeStaleJvm, isDynamoLocal, systemProbe, type ProcessProbe } from '../../bin/local-engines.ts';
import { formatRequestLine, RequestTracker, type RequestOutcome } from '../../bin/local-requests.ts';
import type { IngestContext, TicketStore } from '../../functions/core/ports.ts';

const LOCAL_TS = fileURLToPath(new URL('../../bin/local.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'local-start-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Only what npm start needs: no inherited PORT, API_KEYS, provider secrets. */
const cleanEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), ...extra });

describe('npm start: settings before anything starts', () => {
  it('names every bad variable, exits 1 without a stack trace, and starts no engine', () => {
    const cwd = tempDir();
    const started = Date.now();
    const r = spawnSync(process.execPath, [LOCAL_TS], {
      cwd,
      env: cleanEnv({ PORT: 'abc', TWILIO_ACCOUNT_SID: 'not-a-sid', API_KEYS: '[' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/invalid settings; nothing was started/);
    expect(r.stderr).toMatch(/^ {2}PORT: /m);
    expect(r.stderr).toMatch(/^ {2}TWILIO_ACCOUNT_SID: must be AC followed by 32 hex digits/m);
    expect(r.stderr).toMatch(/^ {2}API_KEYS: is not valid JSON/m);
    expect(r.stderr).not.toMatch(/options\.port|NaN\)|^\s+at /m);
    expect(r.stdout).not.toMatch(/DynamoDB Local|\[2\/5\]/);
    expect(existsSync(join(cwd, '.local-data'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(15_000); // no JVM was waited for
  }, 30_000);
});

describe('npm start: the HTTP port is taken', () => {
  it('says so before starting anything, and suggests a port that is free now (not just PORT+1)', async () => {
    const { createServer } = await import('node:net');
    const listen = (port: number) =>
      new Promise<import('node:net').Server | undefined>((ok) => {
        const s = createServer();
        s.once('error', () => ok(undefined));
        s.listen(port, '127.0.0.1', () => ok(s));
      });
    // Two taken ports in a row: P and P+1.
    let held: Array<import('node:net').Server> = [];
    for (let i = 0; i < 20 && held.length < 2; i++) {
      for (const s of held) s.close();
      const first = (await listen(0))!;
      const p = (first.address() as import('node:net').AddressInfo).port;
      const second = await listen(p + 1);
      held = second ? [first, second] : [first];
    }
    expect(held).toHaveLength(2);
    const port = (held[0]!.address() as import('node:net').AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [LOCAL_TS], { cwd: tempDir(), env: cleanEnv({ PORT: String(port) }), encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`port ${port} \\(PORT\\) is already in use`));
      const suggested = Number(/PORT=(\d+) npm start \(free now\)/.exec(r.stderr)?.[1]);
      expect(suggested).toBeGreaterThan(port + 1);
      expect(r.stdout).not.toMatch(/\[2\/5\]/);
    } finally {
      for (const s of held) s.close();
    }
  }, 30_000);
});

describe('stale DynamoDB Local JVM (pid file)', () => {
  const JVM = 'java -Djava.library.path=../../lib/dynamodb_local_2026-05-28/DynamoDBLocal_lib -jar ../../lib/dynamodb_local_2026-05-28/DynamoDBLocal.jar -inMemory -port 41234 -sharedDb';

  /** A fake /proc: pid → command line; kills recorded, and applied as `onKill` says. */
  function fakeProcs(procs: Record<number, string>, onKill: (pid: number, sig: NodeJS.Signals) => boolean = () => true) {
    const kills: Array<[number, NodeJS.Signals]> = [];
    const probe: ProcessProbe = {
      cmdline: (pid) => procs[pid],
      kill: (pid, sig) => {
        kills.push([pid, sig]);
        if (onKill(pid, sig)) delete procs[pid];
      },
      sleep: () => Promise.resolve(),
    };
    return { probe, kills };
  }
  const pidFile = (record: unknown) => {
    const f = join(tempDir(), 'dynamodb-local.pid');
    writeFileSync(f, typeof record === 'string' ? record : JSON.stringify(record));
    return f;
  };
  const rec = { pid: 500, port: 41234, owner: 400, startedAt: '2026-01-01T00:00:00.000Z' };

  it('no pid file: nothing to do', async () => {
    const { probe, kills } = fakeProcs({});
    expect(await clearStaleJvm(join(tempDir(), 'none.pid'), probe)).toEqual({ kind: 'none' });
    expect(kills).toEqual([]);
  });

  it('a JVM whose npm start is gone is stopped with SIGTERM, and the file removed', async () => {
    const f = pidFile(rec);
    const { probe, kills } = fakeProcs({ 500: JVM });
    const r = await clearStaleJvm(f, probe, 3000, 999);
    expect(r).toEqual({ kind: 'stopped', record: rec, forced: false });
    expect(kills).toEqual([[500, 'SIGTERM']]);
    expect(existsSync(f)).toBe(false);
    expect(describeStaleJvm(r)).toBe('stopped a DynamoDB Local JVM left by an earlier run (pid 500, port 41234, its npm start 400 is gone)');
  });

  it('one that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const f = pidFile(rec);
    const { probe, kills } = fakeProcs({ 500: JVM }, (_pid, sig) => sig === 'SIGKILL');
    const r = await clearStaleJvm(f, probe, 300, 999);
    expect(r).toMatchObject({ kind: 'stopped', forced: true });
    expect(kills).toEqual([
      [500, 'SIGTERM'],
      [500, 'SIGKILL'],
    ]);
  });

  it('the JVM of an npm start still running is left alone (and its file kept)', async () => {
    const f = pidFile(rec);
    const { probe, kills } = fakeProcs({ 500: JVM, 400: '/usr/bin/node bin/local.ts' });
    const r = await clearStaleJvm(f, probe, 3000, 999);
    expect(r.kind).toBe('owner-running');
    expect(kills).toEqual([]);
    expect(existsSync(f)).toBe(true);
    expect(describeStaleJvm(r)).toMatch(/another npm start \(pid 400\) is running/);
  });

  it('a pid reused by another program is never signalled', async () => {
    const f = pidFile(rec);
    const { probe, kills } = fakeProcs({ 500: 'vim notes.txt' });
    const r = await clearStaleJvm(f, probe, 3000, 999);
    expect(r).toMatchObject({ kind: 'not-dynamo', cmdline: 'vim notes.txt' });
    expect(kills).toEqual([]);
    expect(existsSync(f)).toBe(false);
  });

  it('a JVM already gone (the watchdog did its job): only the file is removed, silently', async () => {
    const f = pidFile(rec);
    const { probe, kills } = fakeProcs({});
    const r = await clearStaleJvm(f, probe, 3000, 999);
    expect(r.kind).toBe('file-only');
    expect(describeStaleJvm(r)).toBeUndefined();
    expect(kills).toEqual([]);
    expect(existsSync(f)).toBe(false);
  });

  it('a garbled pid file is reported and removed', async () => {
    const f = pidFile('not json');
    const r = await clearStaleJvm(f, fakeProcs({}).probe);
    expect(r.kind).toBe('unreadable');
    expect(existsSync(f)).toBe(false);
  });

  it('recognises DynamoDB Local by its command line', () => {
    expect(isDynamoLocal(JVM)).toBe(true);
    expect(isDynamoLocal('/usr/lib/jvm/bin/java -jar other.jar')).toBe(false);
    expect(isDynamoLocal('grep DynamoDBLocal')).toBe(false);
    expect(isDynamoLocal(undefined)).toBe(false);
  });

  it('with the real /proc: stops a live process that looks like DynamoDB Local', async () => {
    // A stand-in whose command line reads like the JVM's (cheap: no Java).
    const fake = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'java', '-jar', 'DynamoDBLocal.jar'], { stdio: 'ignore' });
    try {
      await new Promise((r) => fake.once('spawn', r));
      const f = pidFile({ pid: fake.pid, port: 1, owner: 2 ** 22 + 1, startedAt: '' }); // an owner pid no one has
      const exited = new Promise<NodeJS.Signals | null>((r) => fake.once('exit', (_c, sig) => r(sig)));
      const r = await clearStaleJvm(f, systemProbe, 2000);
      expect(r.kind).toBe('stopped');
      expect(await exited).toBe('SIGTERM');
    } finally {
      if (fake.exitCode === null && fake.signalCode === null) fake.kill('SIGKILL');
    }
  });
});

describe('one line per request', () => {
  it('method, path, status and ms; webhook outcomes after an arrow', () => {
    expect(formatRequestLine({ method: 'GET', path: '/health', status: 200, ms: 1.234 })).toBe('GET /health 200 1.2 ms');
    expect(formatRequestLine({ method: 'POST', path: '/webhooks/twilio', status: 200, ms: 23.4, outcomes: [{ kind: 'new', ticketId: '01JTICKET' }] })).toBe(
      'POST /webhooks/twilio 200 23 ms → ticket 01JTICKET new',
    );
    const all: Array<[RequestOutcome, string]> = [
      [{ kind: 'appended', ticketId: 'T' }, 'ticket T appended'],
      [{ kind: 'reopened', ticketId: 'T' }, 'ticket T reopened'],
      [{ kind: 'duplicate', ticketId: 'T' }, 'ticket T duplicate'],
      [{ kind: 'parked', item: 'message' }, 'parked message for the worker (store unavailable)'],
      [{ kind: 'refused', reason: 'bad_signature' }, 'refused (bad_signature)'],
      [{ kind: 'skipped', reason: 'echo' }, 'skipped (echo)'],
      [{ kind: 'status', status: 'read', outcome: 'applied' }, 'status read (applied)'],
      [{ kind: 'edit', outcome: 'applied' }, 'edit (applied)'],
      [{ kind: 'not-configured' }, 'provider not configured'],
    ];
    for (const [o, text] of all) expect(formatRequestLine({ method: 'POST', path: '/webhooks/x', status: 200, ms: 50, outcomes: [o] })).toBe(`POST /webhooks/x 200 50 ms → ${text}`);
  });

  it('a batch shows three outcomes and counts the rest; an abort is said', () => {
    const outcomes = ['A', 'B', 'C', 'D', 'E'].map((t): RequestOutcome => ({ kind: 'new', ticketId: t }));
    expect(formatRequestLine({ method: 'POST', path: '/webhooks/meta', status: 200, ms: 120, outcomes })).toBe(
      'POST /webhooks/meta 200 120 ms → ticket A new, ticket B new, ticket C new, +2 more',
    );
    expect(formatRequestLine({ method: 'POST', path: '/webhooks/meta', status: 200, ms: 12, aborted: true })).toBe('POST /webhooks/meta 200 (client went away) 12 ms');
  });

  it('outcomes reach the request they happened in (concurrent requests kept apart), and the ports still work', async () => {
    const tracker = new RequestTracker();
    const logged: string[] = [];
    const emitted: string[] = [];
    const dup: IngestContext = { duplicateOf: { ticketId: 'T-DUP', messageId: 'M', pendingJobs: [] } };
    const store = { getIngestContext: () => Promise.resolve(dup), getTicket: () => Promise.resolve(undefined) } as unknown as TicketStore;
    const { log, metrics, store: wrapped } = tracker.wrap({
      log: { info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) },
      metrics: { emit: (es) => emitted.push(...es.map((e) => e.name)) },
      store,
    });
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const a = tracker.run(async () => {
      await tick();
      log.info('ingested', { ticketId: 'T-NEW', newTicket: true, reopened: false });
    });
    const b = tracker.run(async () => {
      await wrapped.getIngestContext({} as never, 'k');
      metrics.emit([{ name: 'WebhookRejected', unit: 'Count', value: 1, dimensions: { Provider: 'x', Reason: 'bad_signature' } }]);
      await tick();
      log.info('ingested', { ticketId: 'T-OLD', newTicket: false, reopened: false });
    });
    await Promise.all([a.result, b.result]);
    log.info('ingested', { ticketId: 'T-WORKER', newTicket: true }); // outside any request: no line to add to
    expect(a.outcomes).toEqual([{ kind: 'new', ticketId: 'T-NEW' }]);
    expect(b.outcomes).toEqual([
      { kind: 'duplicate', ticketId: 'T-DUP' },
      { kind: 'refused', reason: 'bad_signature' },
      { kind: 'appended', ticketId: 'T-OLD' },
    ]);
    expect(logged).toEqual(['ingested', 'ingested', 'ingested']);
    expect(emitted).toEqual(['WebhookRejected']);
    expect(await wrapped.getTicket('x')).toBeUndefined(); // other methods pass through
  });
});

describe('the JVM never outlives npm start', () => {
  const hasJava = !spawnSync('java', ['-version']).error;

  it.skipIf(!hasJava)(
    'SIGKILL of the node process: the watchdog stops DynamoDB Local within seconds',
    async () => {
      const cwd = tempDir();
      let node: ChildProcess | undefined;
      let jvmPid: number | undefined;
      const isJvm = () => jvmPid !== undefined && isDynamoLocal(systemProbe.cmdline(jvmPid));
      try {
        node = spawn(process.execPath, [LOCAL_TS], { cwd, env: cleanEnv({ PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        node.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        node.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        const deadline = Date.now() + 60_000;
        while (!/^ready: /m.test(out)) {
          if (node.exitCode !== null) throw new Error(`npm start exited ${node.exitCode}: ${out}`);
          if (Date.now() > deadline) throw new Error(`npm start not ready in 60 s: ${out}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(out).toMatch(/^\[1\/5\] settings ok/m);
        expect(out).toMatch(/^\[2\/5\] DynamoDB Local starting \(Java [^)]+\)\.\.\. ready in \d+\.\d s$/m);
        expect(out).toMatch(/^\[5\/5\] HTTP listening on http:\/\/127\.0\.0\.1:\d+$/m);
        const record = JSON.parse(readFileSync(join(cwd, '.local-data', 'dynamodb-local.pid'), 'utf8')) as { pid: number; owner: number };
        jvmPid = record.pid;
        expect(record.owner).toBe(node.pid);
        expect(isJvm()).toBe(true);

        node.kill('SIGKILL');
        const gone = Date.now() + 10_000;
        while (isJvm() && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
        expect(isJvm()).toBe(false);
      } finally {
        if (node && node.exitCode === null && node.signalCode === null) node.kill('SIGKILL');
        if (isJvm()) process.kill(jvmPid!, 'SIGKILL');
      }
    },
    90_000,
  );
});
