/**
 * VoiceStore on the single table: a call is its message (found through the `PMSG#<provider>#<call id>`
 * item the ingest wrote), its state on `message.voice`; every write is guarded by that state's
 * revision (and the ticket's version when the ticket changes too).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { shardOf } from '../core/listing.ts';
import type { StatsWrite } from '../core/ports.ts';
import { partitions } from '../core/ticket-query.ts';
import type { Message, Ticket } from '../core/types.ts';
import type { StoredCall, VoiceProvider, VoiceStore } from '../core/voice/ports.ts';
import { TABLE } from '../spec.ts';
import { eventItem, keys, ticketItem, transactionError } from './dynamo-store.ts';

type Item = Record<string, unknown>;
type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const KEY_ATTRS = new Set(['PK', 'SK', ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]), 'type', 'expiresAt', 'deliveryRank']);
const strip = <T>(item: Item): T => Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRS.has(k))) as T;
const UPDATED_INDEX = TABLE.indexes.find((i) => i.name === 'byUpdated')!;

export class DynamoVoiceStore implements VoiceStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = tableName;
  }

  async findCall(provider: VoiceProvider, callId: string): Promise<StoredCall | undefined> {
    const p = (await this.#doc.send(new GetCommand({ TableName: this.#table, Key: keys.providerMessage(provider, callId), ConsistentRead: true }))).Item;
    if (!p) return undefined;
    const ticketId = String(p['ticketId']);
    const wanted = [keys.message(ticketId, String(p['createdAt']), String(p['messageId'])), keys.ticket(ticketId)];
    const r = await this.#doc.send(new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: wanted, ConsistentRead: true } } }));
    const items = r.Responses?.[this.#table] ?? [];
    if (r.UnprocessedKeys?.[this.#table]?.Keys?.length) throw new Error('DynamoDB left keys unprocessed');
    const message = items.find((i) => i['SK'] === wanted[0]!.SK);
    const ticket = items.find((i) => i['SK'] === 'TICKET');
    return message && ticket ? { message: strip<Message>(message), ticket: strip<Ticket>(ticket) } : undefined;
  }

  async saveCall(args: Parameters<VoiceStore['saveCall']>[0]): Promise<void> {
    const m = args.message;
    const items: TxItem[] = [
      {
        Put: {
          TableName: this.#table,
          Item: { ...keys.message(m.ticketId, m.createdAt, m.id), type: 'message', ...m },
          // The call's state is replaced only from the revision it was read at, and never once an
          // erase redacted the message (the erase also moves the revision on: belt and braces).
          ConditionExpression: `attribute_exists(PK) AND attribute_not_exists(#erased) AND ${args.expectedRev === 0 ? '(attribute_not_exists(#voice) OR #voice.#rev = :rev)' : '#voice.#rev = :rev'}`,
          ExpressionAttributeNames: { '#voice': 'voice', '#rev': 'rev', '#erased': 'erasedAt' },
          ExpressionAttributeValues: { ':rev': args.expectedRev },
        },
      },
    ];
    if (args.ticket) {
      const t = args.ticket;
      items.push(
        {
          Put: {
            TableName: this.#table,
            Item: ticketItem(t.ticket),
            ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasedAt) AND version = :v',
            ExpressionAttributeValues: { ':v': t.expectedVersion },
          },
        },
        ...t.change.events.map((e): TxItem => ({ Put: { TableName: this.#table, Item: eventItem(e, t.ticket.channel), ConditionExpression: 'attribute_not_exists(PK)' } })),
        ...t.change.stats.filter((w) => Object.keys(w.add).length > 0).map((w) => this.#stats(w)),
      );
    } else if (args.touch) {
      const pk = partitions.updated(shardOf(m.ticketId));
      items.push({
        Update: {
          TableName: this.#table,
          Key: keys.ticket(m.ticketId),
          UpdateExpression: 'SET updatedAt = :now, #upk = :upk, #usk = :usk',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#upk': UPDATED_INDEX.partitionKey, '#usk': UPDATED_INDEX.sortKey },
          ExpressionAttributeValues: { ':now': args.touch, ':upk': pk, ':usk': `${args.touch}#${m.ticketId}` },
        },
      });
    }
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      throw transactionError(e);
    }
  }

  #stats(w: StatsWrite): TxItem {
    const entries = Object.entries(w.add);
    return {
      Update: {
        TableName: this.#table,
        Key: { PK: w.pk, SK: w.sk },
        UpdateExpression: `ADD ${entries.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#a${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
      },
    };
  }
}
