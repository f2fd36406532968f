/**
 * ContactStore on DynamoDB: the contact lifecycle (find by address, merge, update, export, erase) on
 * the single table of functions/adapters/dynamo-store.ts, whose keys and ticket item it reuses.
 * Stored bytes are deleted through the injected ObjectEraser (S3).
 */
import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ContactStore, ContactTicketPage, ObjectEraser } from '../core/contact-ports.ts';
import type { ErasableMessage, ErasableTicket, StoredContact } from '../core/contacts.ts';
import { ConflictError } from '../core/errors.ts';
import type { TicketEvent } from '../core/ticket-events.ts';
import type { Channel, Identity, IdentityKind, IdentityLink, Message, Ticket } from '../core/types.ts';
import { TABLE } from '../spec.ts';
import { eventItem, keys, ticketItem } from './dynamo-store.ts';

type Item = Record<string, unknown>;
type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const KEY_ATTRS = new Set(['PK', 'SK', ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]), 'type', 'expiresAt', 'deliveryRank']);
const strip = <T>(item: Item): T => Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRS.has(k))) as T;

/** A contact item ingest wrote has no version: it is version 1 until the API changes it. */
const contactOf = (item: Item): StoredContact => ({ ...strip<StoredContact>(item), version: typeof item['version'] === 'number' ? item['version'] : 1 });

/** The guard for a write on a versioned item (version 1 also matches an item without one). */
const versionGuard = (expected: number) =>
  expected === 1
    ? { ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(version) OR version = :v)', ExpressionAttributeValues: { ':v': 1 } }
    : { ConditionExpression: 'attribute_exists(PK) AND version = :v', ExpressionAttributeValues: { ':v': expected } };

const isConditionFailure = (e: unknown) => e instanceof ConditionalCheckFailedException;

export class DynamoContactStore implements ContactStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #objects: ObjectEraser;

  constructor(client: DynamoDBClient, table: string, objects: ObjectEraser) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = table;
    this.#objects = objects;
  }

  async #get(key: Item): Promise<Item | undefined> {
    return (await this.#doc.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }))).Item;
  }

  /** A conditional delete; a failed condition (gone, or points elsewhere) is fine. */
  async #deleteIf(key: Item, condition: string, values: Item): Promise<void> {
    try {
      await this.#doc.send(new DeleteCommand({ TableName: this.#table, Key: key, ConditionExpression: condition, ExpressionAttributeValues: values }));
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async #transact(items: TxItem[]): Promise<void> {
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      if (e instanceof TransactionCanceledException || (e as { name?: string }).name === 'TransactionConflictException') throw new ConflictError('contact write lost a race');
      throw e;
    }
  }

  async findByIdentity(kind: IdentityKind, value: string): Promise<IdentityLink | undefined> {
    const item = await this.#get(keys.identity(kind, value));
    return item && typeof item['contactId'] === 'string' ? strip<IdentityLink>(item) : undefined;
  }

  async getContact(id: string): Promise<StoredContact | undefined> {
    const item = await this.#get(keys.contact(id));
    return item ? contactOf(item) : undefined;
  }

  async identitiesOf(contact: StoredContact): Promise<IdentityLink[]> {
    const found = await Promise.all(contact.identities.map((i) => this.#get(keys.identity(i.kind, i.value))));
    return found.flatMap((i) => (i && i['contactId'] === contact.id ? [strip<IdentityLink>(i)] : []));
  }

  async ticketsOf(contactId: string, limit: number, after?: string, channels?: readonly Channel[]): Promise<ContactTicketPage> {
    const index = TABLE.indexes[2];
    const filter = channels ? { FilterExpression: `#ch IN (${channels.map((_, i) => `:c${i}`).join(', ')})` } : {};
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: index.name,
        KeyConditionExpression: after ? '#pk = :pk AND #sk < :after' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey, ...(after ? { '#sk': index.sortKey } : {}), ...(channels ? { '#ch': 'channel' } : {}) },
        ExpressionAttributeValues: {
          ':pk': `CONTACT#${contactId}`,
          ...(after ? { ':after': after } : {}),
          ...Object.fromEntries((channels ?? []).map((c, i) => [`:c${i}`, c])),
        },
        ...filter,
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const last = r.LastEvaluatedKey?.[index.sortKey];
    return { tickets: (r.Items ?? []).map((i) => strip<ErasableTicket>(i)), ...(typeof last === 'string' ? { last } : {}) };
  }

  async messagesOf(ticketId: string, after?: string): Promise<{ messages: ErasableMessage[]; last?: string }> {
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :msg)',
        ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}`, ':msg': 'MSG#' },
        ...(after ? { ExclusiveStartKey: { PK: `TICKET#${ticketId}`, SK: after } } : {}),
        ConsistentRead: true,
        Limit: 100,
      }),
    );
    const items = r.Items ?? [];
    const last = r.LastEvaluatedKey ? (items.at(-1)?.['SK'] as string | undefined) : undefined;
    return { messages: items.map((i) => strip<ErasableMessage>(i)), ...(last ? { last } : {}) };
  }

  #contactPut(next: StoredContact, expectedVersion: number): TxItem {
    return { Put: { TableName: this.#table, Item: { ...keys.contact(next.id), type: 'contact', ...next, version: expectedVersion + 1 }, ...versionGuard(expectedVersion) } };
  }

  async putContact(next: StoredContact, expectedVersion: number): Promise<StoredContact> {
    const put = this.#contactPut(next, expectedVersion).Put!;
    try {
      await this.#doc.send(new PutCommand(put));
    } catch (e) {
      if (isConditionFailure(e)) throw new ConflictError('the contact changed');
      throw e;
    }
    return { ...next, version: expectedVersion + 1 };
  }

  async putContacts(a: { next: StoredContact; expectedVersion: number }, b: { next: StoredContact; expectedVersion: number }): Promise<void> {
    await this.#transact([this.#contactPut(a.next, a.expectedVersion), this.#contactPut(b.next, b.expectedVersion)]);
  }

  async moveIdentity(identity: Identity, from: string, to: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.identity(identity.kind, identity.value),
          UpdateExpression: 'SET contactId = :to, mergedFrom = :from',
          ConditionExpression: 'contactId = :from',
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  deleteIdentity(identity: Identity, contactId: string): Promise<void> {
    return this.#deleteIf(keys.identity(identity.kind, identity.value), 'contactId = :c', { ':c': contactId });
  }

  async rewriteTicket(next: Ticket, expectedVersion: number, event: TicketEvent): Promise<void> {
    await this.#transact([
      {
        Put: {
          TableName: this.#table,
          Item: ticketItem({ ...next, version: expectedVersion + 1 }),
          ConditionExpression: 'attribute_exists(PK) AND version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        },
      },
      { Put: { TableName: this.#table, Item: eventItem(event, next.channel), ConditionExpression: 'attribute_not_exists(PK)' } },
    ]);
  }

  async redactMessage(original: Message, redacted: ErasableMessage): Promise<void> {
    // SET every field of the redacted form, REMOVE what it no longer has; the keys and delivery rank stay.
    const set = Object.entries(redacted).filter(([k]) => !KEY_ATTRS.has(k));
    const remove = Object.keys(original).filter((k) => !KEY_ATTRS.has(k) && !(k in redacted));
    const names = Object.fromEntries([...set.map(([k]) => k), ...remove].map((k, i) => [`#a${i}`, k]));
    const nameOf = Object.fromEntries(Object.entries(names).map(([alias, k]) => [k, alias]));
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.message(original.ticketId, original.createdAt, original.id),
          UpdateExpression: `SET ${set.map(([k], i) => `${nameOf[k]} = :v${i}`).join(', ')}${remove.length ? ` REMOVE ${remove.map((k) => nameOf[k]).join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ...Object.fromEntries(set.map(([, v], i) => [`:v${i}`, v])),
          },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async replaceEvent(event: TicketEvent): Promise<void> {
    await this.#doc.send(
      new PutCommand({
        TableName: this.#table,
        Item: eventItem(event), // keeps its place in the change feed (keys from the event itself)
        ConditionExpression: 'attribute_exists(PK)',
      }),
    ).catch((e: unknown) => {
      if (!isConditionFailure(e)) throw e;
    });
  }

  async dropMessageIndexes(ticket: Ticket, message: Message): Promise<void> {
    const owned = { ':t': ticket.id };
    await Promise.all([
      // A call's index item stays as a tombstone (ids only): a callback replayed after the dedupe
      // window finds the erased message and is ignored instead of opening a ticket again.
      message.providerMessageId && !message.voice ? this.#deleteIf(keys.providerMessage(ticket.provider, message.providerMessageId), 'ticketId = :t', owned) : undefined,
      message.email?.messageId ? this.#deleteIf(keys.emailMessageId(message.email.messageId), 'ticketId = :t', owned) : undefined,
    ]);
  }

  dropThreadPointer(ticket: Ticket): Promise<void> {
    return this.#deleteIf(keys.thread(ticket.provider, ticket.channel, ticket.threadKey), 'ticketId = :t', { ':t': ticket.id });
  }

  deleteObjects(objectKeys: readonly string[]): Promise<void> {
    return this.#objects.deleteObjects(objectKeys);
  }
}
