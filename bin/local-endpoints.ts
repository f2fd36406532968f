/**
 * Where a running local stack's engines and queues are, for tools run beside it (`npm run redrive`):
 * `npm start` writes `.local-data/endpoints.json` once it is up and removes it when it stops. A file
 * whose process is gone is ignored.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface LocalEndpoints {
  readonly pid: number;
  readonly url: string;
  readonly dynamo: string;
  readonly sqs: string;
  /** By queue id (functions/spec.ts QUEUES). */
  readonly queues: Readonly<Record<string, { readonly url: string; readonly dlqUrl: string }>>;
}

/** LOCAL_ENDPOINTS_FILE, else `.local-data/endpoints.json` in the working directory. */
export const endpointsFile = (env: Record<string, string | undefined> = process.env): string => resolve(env['LOCAL_ENDPOINTS_FILE'] || '.local-data/endpoints.json');

export function writeEndpoints(file: string, e: LocalEndpoints): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(e, null, 2)}\n`);
}

export function removeEndpoints(file: string): void {
  rmSync(file, { force: true });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running stack's endpoints, or undefined when no stack (or only a stale file) is there. */
export function readEndpoints(file: string): LocalEndpoints | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as LocalEndpoints;
    return typeof e.pid === 'number' && typeof e.sqs === 'string' && e.queues && alive(e.pid) ? e : undefined;
  } catch {
    return undefined;
  }
}
