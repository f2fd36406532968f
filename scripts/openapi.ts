/**
 * `npm run openapi`: writes ./openapi.json, the OpenAPI 3.1 document generated from the route
 * declarations and their zod schemas (functions/api/openapi.ts); the api function serves the same
 * document at GET /openapi.json.
 *   --check   exit 1 when the committed openapi.json is not what the code generates (the unit tests check it too)
 *   --table   print the api rows of README's route table (method, path, scope, summary) from the document
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiJson } from '../functions/api/openapi.ts';

const file = fileURLToPath(new URL('../openapi.json', import.meta.url));
const fresh = openApiJson();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing counts as different
  }
  if (committed !== fresh) {
    console.error('openapi.json is out of date: run `npm run openapi` and commit it.');
    process.exit(1);
  }
  console.log('openapi.json is up to date.');
} else if (process.argv.includes('--table')) {
  const doc = JSON.parse(fresh) as { paths: Record<string, Record<string, { summary: string; security: Array<Record<string, string[]>> }>> };
  console.log('| method | path | auth | what |\n|---|---|---|---|');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const scope = Object.values(op.security[0] ?? {})[0]?.[0];
      console.log(`| ${method.toUpperCase()} | \`${path}\` | ${scope ? `\`${scope}\`` : 'none'} | ${op.summary} |`);
    }
  }
} else {
  writeFileSync(file, fresh);
  console.log(`wrote ${file} (${Buffer.byteLength(fresh)} bytes)`);
}
