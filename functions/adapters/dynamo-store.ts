/** TicketStore on DynamoDB: the single-table layout of shared/DESIGN.md. The only DynamoDB-aware code. */
import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors.ts';
import { DuplicateError, PermanentError, type ChangeRecord, type StatsWrite, type IngestContext, type IngestWrite, type ListQuery, type ListRead, type OptOutRecord, type TicketStore } from '../core/ports.ts';
import { shardOf } from '../core/listing.ts';
import { FEED, feedKeys, type FeedQuery, type FeedRead } from '../core/event-feed.ts';
import { partitions, ticketIndexKeys, type TicketFilter } from '../core/ticket-query.ts';
import { ticketIdFromSubject } from '../core/email.ts';
import { DELIVERY_RANK, type Channel, type ThreadedBy, type Contact, type IdentityLink, type InboundMessage, type Message, type MessageEdit, type QueuedJob, type StatusUpdate, type Ticket } from '../core/types.ts';
import { TABLE } from '../spec.ts';
import type { TicketEvent } from '../core/ticket-events.ts';

type Item = Record<string, unknown>;
type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const keys = {
  ticket: (id: string) => ({ PK: `TICKET#${id}`, SK: 'TICKET' }),
  message: (ticketId: string, createdAt: string, id: string) => ({ PK: `TICKET#${ticketId}`, SK: `MSG#${createdAt}#${id}` }),
  dedupe: (key: string) => ({ PK: `DEDUPE#${key}`, SK: 'DEDUPE' }),
  idempotency: (key: string) => ({ PK: `IDEMPOTENCY#${key}`, SK: 'IDEMPOTENCY' }),
  thread: (provider: string, channel: string, key: string) => ({ PK: `THREAD#${provider}#${channel}#${key}`, SK: 'THREAD' }),
  /** Provider message id -> our message, for status callbacks and edits. */
  providerMessage: (provider: string, providerMessageId: string) => ({ PK: `PMSG#${provider}#${providerMessageId}`, SK: 'PMSG' }),
  contact: (id: string) => ({ PK: `CONTACT#${id}`, SK: 'CONTACT' }),
  /** RFC Message-ID (ours or the customer's) -> ticket, for email threading. */
  emailMessageId: (id: string) => ({ PK: `MSGID#${id.toLowerCase()}`, SK: 'MSGID' }),
  /** A ticket's event: immutable, ordered by time within the ticket's partition. */
  event: (ticketId: string, at: string, id: string) => ({ PK: `TICKET#${ticketId}`, SK: `EVT#${at}#${id}` }),
  rate: (key: string, windowStart: string) => ({ PK: `RATE#${key}#${windowStart}`, SK: 'RATE' }),
  nonce: (scope: string, value: string) => ({ PK: `NONCE#${scope}#${value}`, SK: 'NONCE' }),
  identity: (kind: string, value: string) => ({ PK: `IDENTITY#${kind}#${value}`, SK: 'IDENTITY' }),
  /** STOP / START of one address on one channel (automation asks before every automated message). */
  optOut: (channel: string, address: string) => ({ PK: `OPTOUT#${channel}#${address.toLowerCase()}`, SK: 'OPTOUT' }),
};

/** Table and index key attributes, and bookkeeping: never part of what the store returns. */
const KEY_ATTRS = new Set(['PK', 'SK', ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]), 'type', 'expiresAt', 'deliveryRank']);
const strip = <T>(item: Item): T => {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRS.has(k)) out[k] = v;
  return out as T;
};

/** The ticket item with its place in every list index (core/ticket-query.ts ticketIndexKeys). */
export function ticketItem(t: Ticket): Item {
  const item: Item = { ...keys.ticket(t.id), type: 'ticket', ...t };
  const placed = ticketIndexKeys(t);
  for (const index of TABLE.indexes) {
    const at = placed[index.name];
    if (at) {
      item[index.partitionKey] = at.pk;
      item[index.sortKey] = at.sk;
    }
  }
  return item;
}

const messageItem = (m: Message): Item => ({
  ...keys.message(m.ticketId, m.createdAt, m.id),
  type: 'message',
  ...m,
  ...(m.deliveryStatus ? { deliveryRank: DELIVERY_RANK[m.deliveryStatus] } : {}),
});

const msgIdItem = (m: Message): Item => ({
  ...keys.emailMessageId(m.email!.messageId!),
  type: 'msgid',
  ticketId: m.ticketId,
  messageId: m.id,
});

const FEED_INDEX = TABLE.indexes.find((i) => i.name === FEED.index)!;

/** An event item: in its ticket's partition and in the change feed index, with the ticket's channel when known. */
export function eventItem(e: TicketEvent, channel?: Channel): Item {
  const feed = feedKeys(e);
  return { ...keys.event(e.ticketId, e.at, e.id), type: 'event', event: e, [FEED_INDEX.partitionKey]: feed.pk, [FEED_INDEX.sortKey]: feed.sk, ...(channel ? { channel } : {}) };
}

const eventPut = (table: string, e: TicketEvent, channel?: Channel): TxItem => ({
  Put: { TableName: table, Item: eventItem(e, channel), ConditionExpression: 'attribute_not_exists(PK)' },
});

/** ADD each counter (flat attribute names from core/reports.ts) on one aggregate item. */
const statsUpdate = (table: string, w: StatsWrite): TxItem => {
  const entries = Object.entries(w.add);
  return {
    Update: {
      TableName: table,
      Key: { PK: w.pk, SK: w.sk },
      UpdateExpression: `ADD ${entries.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#a${i}`, k])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
    },
  };
};

/** The items every ticket change writes with it: its events and report counters. */
const changeItems = (table: string, c: ChangeRecord, channel?: Channel): TxItem[] => [
  ...c.events.map((e) => eventPut(table, e, channel)),
  ...mergeStats(c.stats).map((w) => statsUpdate(table, w)),
];

/** One update per aggregate item (a transaction may touch an item once): counters of the same item are summed. */
function mergeStats(stats: readonly StatsWrite[]): StatsWrite[] {
  const byItem = new Map<string, { pk: string; sk: string; add: Record<string, number> }>();
  for (const w of stats) {
    const key = `${w.pk}\u0000${w.sk}`;
    const item = byItem.get(key) ?? { pk: w.pk, sk: w.sk, add: {} };
    for (const [k, v] of Object.entries(w.add)) item.add[k] = (item.add[k] ?? 0) + v;
    byItem.set(key, item);
  }
  return [...byItem.values()].filter((w) => Object.keys(w.add).length > 0);
}

/** A Message-ID, once mapped to a ticket, is never re-pointed: first writer wins. */
const msgIdPut = (table: string, m: Message): TxItem => ({
  Put: { TableName: table, Item: msgIdItem(m), ConditionExpression: 'attribute_not_exists(PK)' },
});

const pmsgItem = (provider: string, m: Message): Item => ({
  ...keys.providerMessage(provider, m.providerMessageId!),
  type: 'pmsg',
  ticketId: m.ticketId,
  messageId: m.id,
  createdAt: m.createdAt,
});

/**
 * DynamoDB's ValidationException (an item over 400 KB, a key over its size limit, a malformed
 * value) is deterministic: retrying can never help, so it becomes a PermanentError.
 */
const permanentIfInvalid = (e: unknown): unknown =>
  (e as { name?: string }).name === 'ValidationException' ? new PermanentError('store_rejected_item', `DynamoDB refused the write: ${(e as Error).message}`.slice(0, 500)) : e;

/**
 * What a failed TransactWriteItems means for the caller: an item DynamoDB can never accept →
 * PermanentError; a failed condition on item `duplicateIndex` → DuplicateError; any other failed
 * condition or a conflict → ConflictError (re-read and retry); anything else as it came.
 */
export function transactionError(e: unknown, duplicateIndex?: number): unknown {
  if (e instanceof TransactionCanceledException) {
    const reasons = e.CancellationReasons ?? [];
    const invalid = reasons.find((r) => r.Code === 'ValidationError');
    if (invalid) return new PermanentError('store_rejected_item', `DynamoDB refused the write: ${invalid.Message ?? 'validation error'}`.slice(0, 500));
    if (duplicateIndex !== undefined && reasons[duplicateIndex]?.Code === 'ConditionalCheckFailed') return new DuplicateError();
    if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) return new ConflictError('transaction lost a race');
  }
  if ((e as { name?: string }).name === 'TransactionConflictException') return new ConflictError('transaction conflict');
  return permanentIfInvalid(e);
}

/** A list filter as a FilterExpression (the same as core/ticket-query.ts `matches`); adds its names and values. */
function filterExpression(f: TicketFilter, names: Record<string, string>, values: Item): string | undefined {
  const parts: string[] = [];
  const list = (attr: string, prefix: string, xs: readonly string[]) => {
    names[`#${attr}`] = attr;
    xs.forEach((x, i) => (values[`:${prefix}${i}`] = x));
    parts.push(`#${attr} IN (${xs.map((_, i) => `:${prefix}${i}`).join(', ')})`);
  };
  if (f.statuses) list('status', 'st', f.statuses);
  if (f.channels) list('channel', 'ch', f.channels);
  if (f.priority) {
    names['#priority'] = 'priority';
    values[':priority'] = f.priority;
    parts.push('#priority = :priority');
  }
  if (f.assignee !== undefined) {
    names['#assignee'] = 'assignee';
    if (f.assignee === null) parts.push('attribute_not_exists(#assignee)');
    else {
      values[':assignee'] = f.assignee;
      parts.push('#assignee = :assignee');
    }
  }
  if (f.tag !== undefined) {
    names['#tags'] = 'tags';
    values[':tag'] = f.tag;
    parts.push('contains(#tags, :tag)');
  }
  if (f.contactId) {
    names['#contactId'] = 'contactId';
    values[':contactId'] = f.contactId;
    parts.push('#contactId = :contactId');
  }
  if (f.language) {
    names['#language'] = 'language';
    values[':language'] = f.language;
    parts.push('#language = :language');
  }
  if (f.updatedSince) {
    // Tickets stored before updatedAt existed last changed with their last message.
    Object.assign(names, { '#updatedAt': 'updatedAt', '#lastMessageAt': 'lastMessageAt' });
    values[':since'] = f.updatedSince;
    parts.push('(#updatedAt >= :since OR (attribute_not_exists(#updatedAt) AND #lastMessageAt >= :since))');
  }
  if (f.noSla) {
    names['#slaDueAt'] = 'slaDueAt';
    parts.push('attribute_not_exists(#slaDueAt)');
  }
  return parts.length ? parts.join(' AND ') : undefined;
}

const UPDATED_INDEX = TABLE.indexes.find((i) => i.name === 'byUpdated')!;

const ttl = (days: number, now = Date.now()): number => Math.floor(now / 1000) + days * 86400;

export class DynamoTicketStore implements TicketStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #dedupeTtlDays: number;

  constructor(client: DynamoDBClient, tableName: string, dedupeTtlDays: number) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = tableName;
    this.#dedupeTtlDays = dedupeTtlDays;
  }

  async #get(key: Item): Promise<Item | undefined> {
    try {
      const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
      return r.Item;
    } catch (e) {
      throw permanentIfInvalid(e);
    }
  }

  /** Consistent reads of several items in one request (BatchGetItem), by key. */
  async #getMany(wanted: readonly Item[]): Promise<Array<Item | undefined>> {
    const found = new Map<string, Item>();
    let pending: Item[] = [...wanted];
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * attempt));
      if (attempt > 5) throw new Error('DynamoDB left keys unprocessed after retries');
      try {
        const r = await this.#doc.send(new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of r.Responses?.[this.#table] ?? []) found.set(`${item['PK']}|${item['SK']}`, item);
        pending = (r.UnprocessedKeys?.[this.#table]?.Keys as Item[] | undefined) ?? [];
      } catch (e) {
        throw permanentIfInvalid(e);
      }
    }
    return wanted.map((k) => found.get(`${k['PK']}|${k['SK']}`));
  }

  async getIngestContext(msg: InboundMessage, dedupeKey: string): Promise<IngestContext> {
    const none = Promise.resolve(undefined);
    // Everything keyed by the message itself, in one round trip.
    const [dedupe, thread, identity, ownProviderId, ownMsgId] = await this.#getMany([
      keys.dedupe(dedupeKey),
      keys.thread(msg.provider, msg.channel, msg.threadKey),
      keys.identity(msg.identity.kind, msg.identity.value),
      keys.providerMessage(msg.provider, msg.providerMessageId),
      ...(msg.email?.messageId ? [keys.emailMessageId(msg.email.messageId)] : []),
    ]);
    if (dedupe) {
      return {
        duplicateOf: {
          ticketId: dedupe['ticketId'] as string,
          messageId: dedupe['messageId'] as string,
          pendingJobs: (dedupe['pendingJobs'] as QueuedJob[] | undefined) ?? [],
        },
      };
    }
    const pointer = thread?.['ticketId'] as string | undefined;
    const [pointed, byEmail] = await Promise.all([pointer ? this.getTicket(pointer) : none, msg.email ? this.#emailThread(msg) : none]);
    const ticket = byEmail?.ticket ?? pointed;
    return {
      ...(ownMsgId ? { messageIdTaken: true } : {}),
      ...(ownProviderId ? { providerIdTaken: true } : {}),
      ...(pointer ? { threadPointer: pointer } : {}),
      ...(ticket ? { threadTicket: ticket, threadedBy: byEmail?.by ?? 'thread-key' } : {}),
      ...(identity ? { contactId: identity['contactId'] as string } : {}),
    };
  }

  /** Email threading, in order: In-Reply-To, then References (newest first), then the subject token. */
  async #emailThread(msg: InboundMessage): Promise<{ ticket: Ticket; by: ThreadedBy } | undefined> {
    const e = msg.email!;
    const candidates: Array<[string, ThreadedBy]> = [
      ...(e.inReplyTo ? [[e.inReplyTo, 'in-reply-to'] as [string, ThreadedBy]] : []),
      ...[...e.references].reverse().map((r) => [r, 'references'] as [string, ThreadedBy]),
    ].slice(0, 25);
    const found = await Promise.all(candidates.map(([id]) => this.#get(keys.emailMessageId(id))));
    for (let i = 0; i < candidates.length; i++) {
      const ticketId = found[i]?.['ticketId'] as string | undefined;
      const t = ticketId ? await this.getTicket(ticketId) : undefined;
      if (t) return { ticket: t, by: candidates[i]![1] };
    }
    // A ticket id is visible to everyone the ticket's mail reached, so the subject token alone
    // threads only mail from the ticket's own customer or participants; anyone else opens a new ticket.
    const token = ticketIdFromSubject(e.subject);
    const t = token ? await this.getTicket(token) : undefined;
    const sender = msg.from.toLowerCase();
    const known = t && (t.customerAddress.toLowerCase() === sender || (t.participants ?? []).includes(sender));
    return t && t.channel === 'email' && known ? { ticket: t, by: 'subject-token' } : undefined;
  }

  async commitIngest(w: IngestWrite): Promise<void> {
    const items: TxItem[] = [
      {
        Put: {
          TableName: this.#table,
          Item: {
            ...keys.dedupe(w.dedupeKey),
            type: 'dedupe',
            ticketId: w.ticket.id,
            messageId: w.message.id,
            ...(w.pendingJobs.length ? { pendingJobs: w.pendingJobs } : {}),
            expiresAt: ttl(this.#dedupeTtlDays),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.#table, Item: messageItem(w.message), ConditionExpression: 'attribute_not_exists(PK)' } },
      w.expectedTicketVersion === undefined
        ? { Put: { TableName: this.#table, Item: ticketItem(w.ticket), ConditionExpression: 'attribute_not_exists(PK)' } }
        : {
            Put: {
              TableName: this.#table,
              Item: ticketItem(w.ticket),
              ConditionExpression: 'attribute_exists(PK) AND version = :v',
              ExpressionAttributeValues: { ':v': w.expectedTicketVersion },
            },
          },
    ];
    // Provider ids and Message-IDs come from outside: they index a message once and are never re-pointed.
    if (w.indexProviderId) items.push({ Put: { TableName: this.#table, Item: pmsgItem(w.provider, w.message), ConditionExpression: 'attribute_not_exists(PK)' } });
    if (w.indexMessageId && w.message.email?.messageId) items.push(msgIdPut(this.#table, w.message));
    if (w.thread) {
      const t = w.thread;
      items.push({
        Put: {
          TableName: this.#table,
          Item: { ...keys.thread(w.provider, t.channel, t.key), type: 'thread', ticketId: t.ticketId, updatedAt: w.message.createdAt },
          ...(t.expectedPrevious
            ? { ConditionExpression: 'ticketId = :prev', ExpressionAttributeValues: { ':prev': t.expectedPrevious } }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
        },
      });
    }
    items.push(...changeItems(this.#table, w.change, w.ticket.channel));
    if (w.optOut) {
      const o = w.optOut;
      // The latest keyword processed wins (unconditional: a condition failing here would cancel the message too).
      items.push({ Put: { TableName: this.#table, Item: { ...keys.optOut(o.channel, o.address), type: 'optout', channel: o.channel, address: o.address, optedOut: o.optedOut, at: o.at } } });
    }
    if (w.newContact) {
      const { contact, identity } = w.newContact;
      items.push(
        { Put: { TableName: this.#table, Item: { ...keys.contact(contact.id), type: 'contact', ...contact }, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Put: {
            TableName: this.#table,
            Item: { ...keys.identity(identity.kind, identity.value), type: 'identity', ...identity },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      );
    }
    await this.#transact(items, 0);
  }

  /** Run a transaction; a failed condition on item `duplicateIndex` means a duplicate, any other a conflict. */
  async #transact(items: TxItem[], duplicateIndex: number | undefined): Promise<void> {
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      throw transactionError(e, duplicateIndex);
    }
  }

  async markFollowUpsEnqueued(dedupeKey: string): Promise<void> {
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: keys.dedupe(dedupeKey),
        UpdateExpression: 'REMOVE pendingJobs',
        ConditionExpression: 'attribute_exists(PK)',
      }),
    );
  }

  async getTicket(id: string): Promise<Ticket | undefined> {
    const item = await this.#get(keys.ticket(id));
    return item ? strip<Ticket>(item) : undefined;
  }

  async getMessages(ticketId: string): Promise<Message[]> {
    const out: Message[] = [];
    let start: Item | undefined;
    do {
      const r = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :msg)',
          ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}`, ':msg': 'MSG#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of r.Items ?? []) out.push(strip<Message>(i));
      start = r.LastEvaluatedKey;
    } while (start && out.length < 1000);
    return out;
  }

  async getMessage(ticketId: string, messageId: string, createdAt: string): Promise<Message | undefined> {
    const item = await this.#get(keys.message(ticketId, createdAt, messageId));
    return item ? strip<Message>(item) : undefined;
  }

  /** One Query on one list-index partition: at most `q.limit` items evaluated, the filter applied to them. */
  async listTickets(q: ListQuery): Promise<ListRead> {
    const index = TABLE.indexes.find((i) => i.name === q.index);
    if (!index) throw new Error(`no index ${q.index}`);
    if (q.after !== undefined && q.before !== undefined && q.after >= q.before) return { tickets: [], read: 0 };
    const names: Record<string, string> = { '#pk': index.partitionKey };
    const values: Item = { ':pk': q.partition };
    let range = '';
    if (q.after !== undefined || q.before !== undefined) names['#sk'] = index.sortKey;
    if (q.after !== undefined && q.before !== undefined) {
      range = ' AND #sk BETWEEN :after AND :before'; // both exclusive: the bounds themselves are dropped below
      Object.assign(values, { ':after': q.after, ':before': q.before });
    } else if (q.after !== undefined) {
      range = ' AND #sk > :after';
      values[':after'] = q.after;
    } else if (q.before !== undefined) {
      range = ' AND #sk < :before';
      values[':before'] = q.before;
    }
    const filter = filterExpression(q.filter, names, values);
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: index.name,
        KeyConditionExpression: `#pk = :pk${range}`,
        ...(filter ? { FilterExpression: filter } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: !q.descending,
        Limit: q.limit,
      }),
    );
    const tickets = (r.Items ?? []).filter((i) => i[index.sortKey] !== q.after && i[index.sortKey] !== q.before).map((i) => strip<Ticket>(i));
    const last = r.LastEvaluatedKey?.[index.sortKey] as string | undefined;
    return { tickets, ...(last !== undefined ? { last } : {}), read: r.ScannedCount ?? r.Items?.length ?? 0 };
  }

  async appendMessage(args: {
    ticket: Ticket;
    expectedVersion: number;
    message: Message;
    idempotency?: { key: string; requestHash: string };
    change: ChangeRecord;
  }): Promise<void> {
    const items: TxItem[] = [];
    if (args.idempotency) {
      items.push({
        Put: {
          TableName: this.#table,
          Item: {
            ...keys.idempotency(args.idempotency.key),
            type: 'idempotency',
            ticketId: args.ticket.id,
            messageId: args.message.id,
            requestHash: args.idempotency.requestHash,
            expiresAt: ttl(1),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    if (args.message.email?.messageId) items.push(msgIdPut(this.#table, args.message));
    items.push(
      { Put: { TableName: this.#table, Item: messageItem(args.message), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        Put: {
          TableName: this.#table,
          Item: ticketItem(args.ticket),
          ConditionExpression: 'attribute_exists(PK) AND version = :v',
          ExpressionAttributeValues: { ':v': args.expectedVersion },
        },
      },
      ...changeItems(this.#table, args.change, args.ticket.channel),
    );
    await this.#transact(items, args.idempotency ? 0 : undefined);
  }

  async updateTicket(ticket: Ticket, expectedVersion: number, change: ChangeRecord): Promise<void> {
    await this.#transact([this.#ticketPut(ticket, expectedVersion), ...changeItems(this.#table, change, ticket.channel)], undefined);
  }

  #ticketPut(ticket: Ticket, expectedVersion: number): TxItem {
    return {
      Put: {
        TableName: this.#table,
        Item: ticketItem(ticket),
        ConditionExpression: 'attribute_exists(PK) AND version = :v',
        ExpressionAttributeValues: { ':v': expectedVersion },
      },
    };
  }

  async updateMessageDelivery(
    ticket: Pick<Ticket, 'id' | 'provider'>,
    messageId: string,
    createdAt: string,
    u: { status: 'sent' | 'not_sent' | 'failed'; providerMessageId?: string; error?: string; automated?: boolean },
    ticketChange: { ticket: Ticket; expectedVersion: number; change: ChangeRecord },
  ): Promise<void> {
    const sets = ['deliveryStatus = :s', 'deliveryRank = :r', 'deliveryUpdatedAt = :at'];
    const values: Item = { ':s': u.status, ':r': DELIVERY_RANK[u.status], ':at': new Date().toISOString() };
    if (u.providerMessageId) {
      sets.push('providerMessageId = :pid');
      values[':pid'] = u.providerMessageId;
    }
    if (u.error) {
      sets.push('deliveryError = :err');
      values[':err'] = u.error;
    }
    const key = keys.message(ticket.id, createdAt, messageId);
    const items: TxItem[] = [
      {
        Update: {
          TableName: this.#table,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(PK) AND deliveryStatus = :queued',
          ExpressionAttributeValues: { ...values, ':queued': 'queued' },
        },
      },
    ];
    if (u.providerMessageId) {
      items.push({
        Put: {
          TableName: this.#table,
          Item: { ...keys.providerMessage(ticket.provider, u.providerMessageId), type: 'pmsg', ticketId: ticket.id, messageId, createdAt, ...(u.automated ? { automated: true } : {}) },
        },
      });
    }
    items.push(this.#ticketPut(ticketChange.ticket, ticketChange.expectedVersion), ...changeItems(this.#table, ticketChange.change, ticketChange.ticket.channel));
    await this.#transact(items, undefined);
  }

  async #resolveProviderMessage(provider: string, providerMessageId: string): Promise<{ key: Item; ticketId: string; automated: boolean } | undefined> {
    const p = await this.#get(keys.providerMessage(provider, providerMessageId));
    if (!p) return undefined;
    const ticketId = p['ticketId'] as string;
    return { key: keys.message(ticketId, p['createdAt'] as string, p['messageId'] as string), ticketId, automated: p['automated'] === true };
  }

  /**
   * A message-level change (a delivery status, a customer's edit) is a change of the ticket for
   * sync: bump its updatedAt and its place in the byUpdated index, nothing else (no version: it
   * races with no planner).
   */
  #touchTicket(ticketId: string, now: string): TxItem {
    const pk = partitions.updated(shardOf(ticketId));
    return {
      Update: {
        TableName: this.#table,
        Key: keys.ticket(ticketId),
        UpdateExpression: 'SET updatedAt = :now, #upk = :upk, #usk = :usk',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#upk': UPDATED_INDEX.partitionKey, '#usk': UPDATED_INDEX.sortKey },
        ExpressionAttributeValues: { ':now': now, ':upk': pk, ':usk': `${now}#${ticketId}` },
      },
    };
  }

  async applyDeliveryStatus(update: StatusUpdate, eventId: string, now: string): Promise<'applied' | 'unknown' | 'stale'> {
    const found = await this.#resolveProviderMessage(update.provider, update.providerMessageId);
    if (!found) return 'unknown';
    const at = `${update.status}At`;
    const items: TxItem[] = [
      {
        Update: {
          TableName: this.#table,
          Key: found.key,
          UpdateExpression: `SET deliveryStatus = :s, deliveryRank = :r, #at = :at, deliveryUpdatedAt = :at${update.error ? ', deliveryError = :err' : ''}`,
          ConditionExpression: 'attribute_exists(PK) AND direction = :out AND (attribute_not_exists(deliveryRank) OR deliveryRank < :r)',
          ExpressionAttributeNames: { '#at': at },
          ExpressionAttributeValues: {
            ':s': update.status,
            ':r': DELIVERY_RANK[update.status],
            ':at': update.at,
            ':out': 'outbound',
            ...(update.error ? { ':err': update.error } : {}),
          },
        },
      },
    ];
    // Agent replies' delivery is part of the ticket's history (automated messages' only when sent).
    if (!found.automated) {
      const messageId = found.key['SK'] as string;
      const event = {
        id: eventId,
        ticketId: found.ticketId,
        at: update.at,
        actor: 'automation' as const,
        messageId: messageId.slice(messageId.lastIndexOf('#') + 1),
        ...(update.status === 'failed' ? { type: 'reply.failed' as const, ...(update.error ? { error: update.error } : {}) } : { type: `reply.${update.status}` as const }),
      };
      items.push(eventPut(this.#table, event as TicketEvent));
    }
    items.push(this.#touchTicket(found.ticketId, now));
    try {
      await this.#transact(items, 0);
      return 'applied';
    } catch (e) {
      if (e instanceof DuplicateError) return 'stale';
      throw e;
    }
  }

  async applyEdit(edit: MessageEdit, now: string): Promise<'applied' | 'unknown' | 'stale'> {
    const key = (await this.#resolveProviderMessage(edit.provider, edit.providerMessageId))?.key;
    if (!key) return 'unknown';
    const sets = ['originalText = if_not_exists(originalText, #text)', 'editedAt = :at'];
    const values: Item = { ':at': edit.at, ':in': 'inbound' };
    if (edit.text !== undefined) {
      sets.push('#text = :text');
      values[':text'] = edit.text;
    }
    if (edit.deleted) {
      sets.push('deleted = :del');
      values[':del'] = true;
    }
    const edited: TxItem = {
      Update: {
        TableName: this.#table,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK) AND direction = :in AND (attribute_not_exists(editedAt) OR editedAt < :at)',
        ExpressionAttributeNames: { '#text': 'text' },
        ExpressionAttributeValues: values,
      },
    };
    try {
      await this.#transact([edited, this.#touchTicket(String(key['PK']).slice('TICKET#'.length), now)], 0);
      return 'applied';
    } catch (e) {
      if (e instanceof DuplicateError) return 'stale';
      throw e;
    }
  }

  async isOptedOut(channel: string, address: string): Promise<boolean> {
    const item = await this.#get(keys.optOut(channel, address));
    return item?.['optedOut'] === true;
  }

  async setOptOut(o: OptOutRecord, tc: { ticket: Ticket; expectedVersion: number; change: ChangeRecord }): Promise<void> {
    await this.#transact(
      [
        { Put: { TableName: this.#table, Item: { ...keys.optOut(o.channel, o.address), type: 'optout', channel: o.channel, address: o.address, optedOut: o.optedOut, at: o.at } } },
        this.#ticketPut(tc.ticket, tc.expectedVersion),
        ...changeItems(this.#table, tc.change, tc.ticket.channel),
      ],
      undefined,
    );
  }

  async getOptOuts(addresses: ReadonlyArray<{ readonly channel: Channel; readonly address: string }>): Promise<OptOutRecord[]> {
    const wanted = [...new Map(addresses.map((a) => [keys.optOut(a.channel, a.address).PK, keys.optOut(a.channel, a.address)])).values()];
    const out: OptOutRecord[] = [];
    // BatchGetItem takes at most 100 keys.
    for (let i = 0; i < wanted.length; i += 100) {
      for (const item of await this.#getMany(wanted.slice(i, i + 100))) {
        if (item) out.push({ channel: item['channel'] as Channel, address: String(item['address']), optedOut: item['optedOut'] === true, at: String(item['at']) });
      }
    }
    return out;
  }

  async getContact(id: string): Promise<{ contact: Contact; identities: IdentityLink[] } | undefined> {
    const item = await this.#get(keys.contact(id));
    if (!item) return undefined;
    const contact = strip<Contact>(item);
    const identities = (
      await Promise.all(contact.identities.map((i) => this.#get(keys.identity(i.kind, i.value))))
    ).flatMap((i) => (i && i['contactId'] === id ? [strip<IdentityLink>(i)] : []));
    return { contact, identities };
  }

  async listTicketsByContact(contactId: string, limit: number): Promise<Ticket[]> {
    const index = TABLE.indexes[2];
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (r.Items ?? []).map((i) => strip<Ticket>(i));
  }

  async claimNonce(scope: string, value: string, ttlSeconds: number, binding: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...keys.nonce(scope, value), type: 'nonce', binding, expiresAt: ttl(0) + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(PK) OR binding = :b',
          ExpressionAttributeValues: { ':b': binding },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async consumeRateLimit(key: string, windowStart: string, windowSeconds: number, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.rate(key, windowStart),
          UpdateExpression: 'ADD used :one SET expiresAt = if_not_exists(expiresAt, :exp)',
          ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':exp': Math.floor(Date.parse(windowStart) / 1000) + 2 * windowSeconds },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async claimSend(ticketId: string, createdAt: string, messageId: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.message(ticketId, createdAt, messageId),
          UpdateExpression: 'SET sendingAt = :now',
          ConditionExpression: 'attribute_exists(PK) AND deliveryStatus = :q AND attribute_not_exists(sendingAt)',
          ExpressionAttributeValues: { ':now': new Date().toISOString(), ':q': 'queued' },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw permanentIfInvalid(e);
    }
  }

  async readEventFeed(q: FeedQuery): Promise<FeedRead> {
    if (q.after >= q.before) return { items: [] };
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: FEED_INDEX.name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :after AND :before',
        ExpressionAttributeNames: { '#pk': FEED_INDEX.partitionKey, '#sk': FEED_INDEX.sortKey },
        ExpressionAttributeValues: { ':pk': q.partition, ':after': q.after, ':before': q.before },
        Limit: q.limit,
      }),
    );
    // BETWEEN is inclusive; both bounds are exclusive here.
    const items = (r.Items ?? [])
      .filter((i) => i[FEED_INDEX.sortKey] !== q.after && i[FEED_INDEX.sortKey] !== q.before)
      .map((i) => ({ key: i[FEED_INDEX.sortKey] as string, event: i['event'] as TicketEvent, ...(i['channel'] ? { channel: i['channel'] as Channel } : {}) }));
    const last = r.LastEvaluatedKey?.[FEED_INDEX.sortKey] as string | undefined;
    return { items, ...(last !== undefined ? { last } : {}) };
  }

  async listEvents(ticketId: string, limit: number, after?: string): Promise<{ events: TicketEvent[]; last?: string }> {
    // One more than asked, to know whether there is a next page; `after` itself is skipped.
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}`, ':lo': after ?? 'EVT#', ':hi': 'EVT#\uffff' },
        ConsistentRead: true,
        Limit: limit + 2,
      }),
    );
    const items = (r.Items ?? []).filter((i) => i['SK'] !== after);
    const page = items.slice(0, limit);
    const more = items.length > limit || (r.LastEvaluatedKey !== undefined && page.length === limit);
    return { events: page.map((i) => i['event'] as TicketEvent), ...(more ? { last: page.at(-1)!['SK'] as string } : {}) };
  }

  async queryStats(pk: string, fromDay: string, toDay: string): Promise<Array<Record<string, unknown>>> {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      const r = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': fromDay, ':to': `${toDay}~` },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getIdempotentResult(key: string): Promise<{ ticketId: string; messageId: string } | undefined> {
    const item = await this.#get(keys.idempotency(key));
    return item
      ? { ticketId: item['ticketId'] as string, messageId: item['messageId'] as string, ...(item['requestHash'] ? { requestHash: item['requestHash'] as string } : {}) }
      : undefined;
  }
}
