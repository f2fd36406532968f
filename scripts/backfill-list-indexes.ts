/**
 * `node scripts/backfill-list-indexes.ts --table <name> [--endpoint <url>] [--dry-run]`
 *
 * Once, after deploying the ticket query indexes: tickets written before them lack the attributes of
 * byAssignee, bySlaDue, byUpdated, byCreated and byActivity, so the lists served by those indexes
 * (the unfiltered inbox among them) would not show them until their next change. This re-puts every
 * such ticket with its index attributes (functions/adapters/dynamo-store.ts ticketItem). Tickets
 * are found through byStatus, which every ticket has always had: a Query per partition, no Scan.
 * Each put is conditional on the version read, so a ticket changed meanwhile (and so already
 * re-indexed by that change) is left alone. Safe to run again. AWS credentials and region come
 * from the usual environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ticketItem } from '../functions/adapters/dynamo-store.ts';
import { partitions } from '../functions/core/ticket-query.ts';
import { TICKET_STATUSES, type Ticket } from '../functions/core/types.ts';
import { TABLE } from '../functions/spec.ts';

/** The newest list index: an item without its key was written before the query indexes. */
const NEWEST = TABLE.indexes.find((i) => i.name === 'byActivity')!;
const BY_STATUS = TABLE.indexes.find((i) => i.name === 'byStatus')!;

export async function backfillListIndexes(doc: DynamoDBDocumentClient, table: string, o: { dryRun?: boolean; log?: (s: string) => void } = {}) {
  const counts = { seen: 0, rewritten: 0, changedMeanwhile: 0 };
  for (const status of TICKET_STATUSES) {
    for (let shard = 0; shard < TABLE.statusShards; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const r = await doc.send(
          new QueryCommand({
            TableName: table,
            IndexName: BY_STATUS.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': BY_STATUS.partitionKey },
            ExpressionAttributeValues: { ':pk': partitions.status(status, shard) },
            Limit: 100,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of r.Items ?? []) {
          counts.seen++;
          if (item[NEWEST.partitionKey] !== undefined || o.dryRun) continue;
          const ticket = Object.fromEntries(Object.entries(item).filter(([k]) => !/^GSI\d+(PK|SK)$/.test(k) && k !== 'PK' && k !== 'SK' && k !== 'type')) as unknown as Ticket;
          try {
            await doc.send(
              new PutCommand({ TableName: table, Item: ticketItem(ticket), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': ticket.version } }),
            );
            counts.rewritten++;
          } catch (e) {
            if (!(e instanceof ConditionalCheckFailedException)) throw e;
            counts.changedMeanwhile++;
          }
        }
        start = r.LastEvaluatedKey;
      } while (start);
      o.log?.(`${partitions.status(status, shard)}: ${counts.seen} seen, ${counts.rewritten} re-indexed`);
    }
  }
  return counts;
}

const isMain = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();

if (isMain) {
  const { values } = parseArgs({ options: { table: { type: 'string' }, endpoint: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } } });
  if (!values.table) {
    console.error('Usage: node scripts/backfill-list-indexes.ts --table <name> [--endpoint <url>] [--dry-run]');
    process.exit(2);
  }
  const client = new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {});
  const counts = await backfillListIndexes(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), values.table, {
    dryRun: values['dry-run'],
    log: (s) => console.log(s),
  });
  console.log(JSON.stringify(counts));
  client.destroy();
}
