/**
 * Run a bench script in a child process whose stdout/stderr (the stack's Powertools logs and EMF, as a
 * Lambda's would go to CloudWatch) go to a log file, with progress lines on fd 3 forwarded to ours.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = new URL('./results/', import.meta.url);

export async function runChild(script: URL, args: readonly string[], logName: string): Promise<{ code: number; logPath: string }> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logPath = fileURLToPath(new URL(logName, RESULTS_DIR));
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ['ignore', log, log, 2],
    env: { ...process.env, BENCH_PROGRESS_FD: '3', BENCH_CHILD: '1' },
  });
  const forward = (s: NodeJS.Signals) => child.kill(s);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((r) => child.on('exit', (c, sig) => r(c ?? (sig ? 1 : 0))));
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  closeSync(log);
  return { code, logPath };
}
