/**
 * `npm run bench [-- --stripped] [-- --only ingest,lists] [-- --quick]`: runs bench/harness.ts with the
 * stack's own output (Powertools logs, EMF) going to bench/results/stack.log, as a Lambda's would go
 * to CloudWatch, then prints the table from bench/results/latest.json. Not part of `npm test`.
 * bench/results/ is untracked; commit a dated copy (e.g. bench/results/2026-11-25.json) on purpose.
 */
import { readFileSync } from 'node:fs';
import { RESULTS_DIR, runChild } from './child.ts';
import { printReport } from './report.ts';

const { code, logPath } = await runChild(new URL('./harness.ts', import.meta.url), process.argv.slice(2), 'stack.log');
if (code !== 0) {
  console.error(`bench failed (exit ${code}); the stack's output is in ${logPath}`);
  process.exit(code);
}
const file = process.argv.includes('--stripped') ? 'latest-stripped.json' : 'latest.json';
const results = JSON.parse(readFileSync(new URL(file, RESULTS_DIR), 'utf8')) as Record<string, unknown>;
printReport(results);
// Outbound webhooks (issue 13), part `webhooks`: bench/webhooks-out.ts measures and prints its own table.
if (results['webhooksOut']) (await import('./webhooks-out.ts')).printWebhooksOut(results['webhooksOut'] as Record<string, unknown>);
console.log(`\nfull figures: bench/results/${file}; the stack's logs: bench/results/stack.log`);
