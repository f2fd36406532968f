/**
 * `npm test`: typecheck, then run every vitest project (unit, integration on DynamoDB Local +
 * fauxqs, infra), then print one closing line `N passed, N failed` so a run that executed nothing
 * is visible. A failed typecheck counts as one failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

console.log('typecheck: tsc -p .');
const typecheck = spawnSync('tsc', ['-p', '.'], { stdio: 'inherit' });
const typeFailures = typecheck.status === 0 ? 0 : 1;

const dir = mkdtempSync(join(tmpdir(), 'vitest-'));
const out = join(dir, 'results.json');
const r = spawnSync(
  'vitest',
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { stdio: 'inherit', shell: false },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(out, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  passed = json.numPassedTests;
  // A file that fails to load counts as a failed suite with no failed test in it.
  failed = json.numFailedTests || json.numFailedTestSuites;
  skipped = json.numPendingTests + json.numTodoTests;
} catch {
  failed = Math.max(failed, 1); // no report: the run itself broke
}
rmSync(dir, { recursive: true, force: true });
let code = r.status ?? 1;
if (code !== 0 && failed === 0) failed = 1;
if (typeFailures) {
  failed += typeFailures;
  code = code || 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(passed === 0 ? 1 : code);
