/**
 * `npm run redrive -- <queue|all> [--dry-run]`: move dead letters back to their queue (core/redrive.ts),
 * printing what moved. Queues: the ids of functions/spec.ts QUEUES in kebab case (follow-up, ingest, …).
 *
 * Where the queues are:
 * - a local stack started with `npm start` in this folder is found by itself (.local-data/endpoints.json,
 *   or LOCAL_ENDPOINTS_FILE);
 * - otherwise (deployed) from the same variables the functions read, e.g. FOLLOWUP_QUEUE_URL and
 *   FOLLOWUP_DLQ_URL (the stack's outputs FollowUpQueueUrl and FollowUpDlqUrl), with the AWS
 *   credentials and region of the shell.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { localClients } from '../functions/adapters/clients.ts';
import { SqsDeadLetterQueues, type QueueUrls } from '../functions/adapters/sqs-redrive.ts';
import { queueIdOf, queueName, QUEUE_NAMES, redrive, type QueueId, type RedriveResult } from '../functions/core/redrive.ts';
import { QUEUES } from '../functions/spec.ts';
import { endpointsFile, readEndpoints } from './local-endpoints.ts';

const USAGE = `usage: npm run redrive -- <${[...QUEUE_NAMES, 'all'].join('|')}> [--dry-run]`;

export function parseArgs(argv: readonly string[]): { queues: QueueId[]; dryRun: boolean } {
  const dryRun = argv.includes('--dry-run');
  const rest = argv.filter((a) => a !== '--dry-run');
  if (rest.length !== 1) throw new Error(USAGE);
  const name = rest[0]!;
  if (name === 'all') return { queues: Object.keys(QUEUES) as QueueId[], dryRun };
  const id = queueIdOf(name);
  if (!id) throw new Error(`unknown queue "${name}"; ${USAGE}`);
  return { queues: [id], dryRun };
}

function where(env: Record<string, string | undefined>): { sqs: SQSClient; urls: QueueUrls; label: string } {
  const file = endpointsFile(env);
  const local = readEndpoints(file);
  if (local) return { sqs: localClients({ dynamo: local.dynamo, sqs: local.sqs }).sqs, urls: local.queues, label: `local stack (pid ${local.pid}, ${local.sqs})` };
  const urls = Object.fromEntries(Object.entries(QUEUES).map(([id, q]) => [id, { url: env[q.urlEnv] || undefined, dlqUrl: env[q.dlqUrlEnv] || undefined }]));
  if (!Object.values(urls).some((u) => u.url && u.dlqUrl)) {
    const vars = Object.values(QUEUES).flatMap((q) => [q.urlEnv, q.dlqUrlEnv]).join(', ');
    throw new Error(`no running local stack (${file}) and no queue URLs in the environment (${vars}): start one with npm start, or set them from the stack's outputs`);
  }
  return { sqs: new SQSClient({}), urls, label: 'queues from the environment' };
}

const line = (r: RedriveResult): string =>
  r.dryRun
    ? `${r.queue}: ${r.waiting} message(s) in the DLQ (dry run, nothing moved)`
    : `${r.queue}: moved ${r.moved} message(s) back${r.failed ? `, ${r.failed} refused (left in the DLQ)` : ''}; ${r.waiting} left in the DLQ`;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const { sqs, urls, label } = where(process.env);
  console.log(`redrive: ${label}`);
  const port = new SqsDeadLetterQueues(sqs, urls);
  let failed = 0;
  for (const queue of args.queues) {
    if (!urls[queue]?.url || !urls[queue]?.dlqUrl) {
      console.log(`${queueName(queue)}: not configured here, skipped`);
      continue;
    }
    for (;;) {
      const r = await redrive(port, queue, { dryRun: args.dryRun, maxMessages: 1000 });
      for (const m of r.messages) console.log(`  ${r.dryRun ? 'waiting' : 'moved'} ${m.id} kind=${m.kind ?? '-'} reason=${m.reason ?? '-'}${m.deadLetteredAt ? ` at ${m.deadLetteredAt}` : ''}`);
      console.log(line(r));
      failed += r.failed;
      if (!r.more || r.failed) break;
    }
  }
  sqs.destroy();
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`redrive: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
