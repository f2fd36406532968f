/**
 * Outbound-webhook items in the single table: subscriptions (`WEBHOOKSUBS` / `SUB#<id>`: one small
 * partition, there are at most 50), attempts (`WEBHOOKSUB#<id>` / `ATTEMPT#<at>#<ulid>`, TTL 30 d),
 * and the event log read back for deliveries and replays. Secrets are stored as they are (the table
 * is encrypted at rest) and never logged.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createdEvent, TICKET_CREATED_KEY } from '../core/events-out/outbound.ts';
import type { DeliveryAttempt, OutboundEvent, WebhookStore, WebhookSubscription } from '../core/events-out/types.ts';
import { bucketEnd, bucketOf, FEED, feedPartition } from '../core/event-feed.ts';
import type { TicketEvent } from '../core/ticket-events.ts';
import type { Channel, Message, Ticket } from '../core/types.ts';
import { TABLE } from '../spec.ts';
import { keys } from './dynamo-store.ts';

type Item = Record<string, unknown>;
const ATTEMPT_TTL_SECONDS = 30 * 86400;
const SUBS_PK = 'WEBHOOKSUBS';
export const webhookKeys = {
  subscription: (id: string) => ({ PK: SUBS_PK, SK: `SUB#${id}` }),
  attempts: (id: string) => `WEBHOOKSUB#${id}`,
};

const BYEVENTTIME = TABLE.indexes.find((i) => i.name === FEED.index)!;
const TICKET_KEYS = new Set(['PK', 'SK', 'type', 'expiresAt', 'deliveryRank', ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
const asTicket = (item: Item): Ticket => Object.fromEntries(Object.entries(item).filter(([k]) => !TICKET_KEYS.has(k))) as unknown as Ticket;
const asSub = (item: Item): WebhookSubscription => {
  const { PK: _p, SK: _s, type: _t, ...rest } = item;
  return rest as unknown as WebhookSubscription;
};

export class DynamoWebhookStore implements WebhookStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, table: string) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = table;
  }

  async listSubscriptions(): Promise<WebhookSubscription[]> {
    const out: WebhookSubscription[] = [];
    let start: Item | undefined;
    do {
      const r = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sub)',
          ExpressionAttributeValues: { ':pk': SUBS_PK, ':sub': 'SUB#' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(r.Items ?? []).map(asSub));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getSubscription(id: string): Promise<WebhookSubscription | undefined> {
    const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: webhookKeys.subscription(id), ConsistentRead: true }));
    return r.Item ? asSub(r.Item) : undefined;
  }

  async putSubscription(sub: WebhookSubscription, expectedVersion?: number): Promise<boolean> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...webhookKeys.subscription(sub.id), type: 'webhook-subscription', ...sub },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async deleteSubscription(id: string): Promise<boolean> {
    try {
      await this.#doc.send(new DeleteCommand({ TableName: this.#table, Key: webhookKeys.subscription(id), ConditionExpression: 'attribute_exists(PK)' }));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async disableSubscription(id: string, reason: string, at: string): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: webhookKeys.subscription(id),
          UpdateExpression: 'SET enabled = :f, disabledReason = :r, updatedAt = :at ADD version :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':f': false, ':r': reason, ':at': at, ':one': 1 },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e; // deleted meanwhile: nothing to disable
    }
  }

  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    await this.#doc.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          PK: webhookKeys.attempts(a.subscriptionId),
          SK: `ATTEMPT#${a.at}#${a.id}`,
          type: 'webhook-attempt',
          ...a,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(a.at) / 1000) + ATTEMPT_TTL_SECONDS,
        },
      }),
    );
  }

  async listAttempts(subscriptionId: string, limit: number, before?: string): Promise<{ attempts: DeliveryAttempt[]; last?: string }> {
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': webhookKeys.attempts(subscriptionId), ':lo': 'ATTEMPT#', ':hi': before ?? 'ATTEMPT#\uffff' },
        ScanIndexForward: false,
        Limit: limit + 1,
      }),
    );
    const items = (r.Items ?? []).filter((i) => i['SK'] !== before);
    const page = items.slice(0, limit);
    const more = items.length > limit || (r.LastEvaluatedKey !== undefined && page.length === limit);
    const attempts = page.map((i) => {
      const { PK: _p, SK: _s, type: _t, [TABLE.ttlAttribute]: _e, ...rest } = i;
      return rest as unknown as DeliveryAttempt;
    });
    return { attempts, ...(more ? { last: page.at(-1)!['SK'] as string } : {}) };
  }

  async loadEvent(ticketId: string, eventKey: string): Promise<{ event?: OutboundEvent; ticket?: Ticket }> {
    const [t, e] = await Promise.all([
      this.#doc.send(new GetCommand({ TableName: this.#table, Key: keys.ticket(ticketId) })),
      eventKey === TICKET_CREATED_KEY ? undefined : this.#doc.send(new GetCommand({ TableName: this.#table, Key: { PK: `TICKET#${ticketId}`, SK: eventKey } })),
    ]);
    const ticket = t.Item ? asTicket(t.Item) : undefined;
    if (eventKey === TICKET_CREATED_KEY) return ticket ? { event: createdEvent(ticket), ticket } : {};
    const logged = e?.Item?.['event'] as TicketEvent | undefined;
    const event: OutboundEvent | undefined = logged ? { id: logged.id, type: logged.type, at: logged.at, ticketId, event: logged } : undefined;
    return { ...(event ? { event } : {}), ...(ticket ? { ticket } : {}) };
  }

  async loadMessage(ticketId: string, messageId: string): Promise<Message | undefined> {
    // Message keys hold their creation time, which an event does not: read the ticket's messages
    // (a bounded item collection) and pick it by id.
    let start: Item | undefined;
    for (let page = 0; page < 20; page++) {
      const r = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :msg)',
          FilterExpression: 'id = :id',
          ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}`, ':msg': 'MSG#', ':id': messageId },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const item = r.Items?.[0];
      if (item) {
        const { PK: _pk, SK: _sk, type: _t, deliveryRank: _r, ...message } = item;
        return message as unknown as Message;
      }
      if (!r.LastEvaluatedKey) return undefined;
      start = r.LastEvaluatedKey as Item;
    }
    return undefined;
  }

  /**
   * Events at or after `since`, from the change-feed index (byEventTime: `EVTFEED#<hour>#<shard>` /
   * `<iso>#<id>`), hour bucket by bucket, shard by shard, up to now; plus `ticket.created` for
   * tickets created since then (the caller drops repeats). The cursor is internal (never shown).
   */
  async eventsSince(since: string, cursor?: string): Promise<{ events: Array<OutboundEvent & { eventKey: string; channel?: Channel }>; cursor?: string }> {
    const c = cursor ? (JSON.parse(cursor) as { b: string; s: number; k?: Item }) : { b: bucketOf(since), s: 0 };
    const r = await this.#doc.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: BYEVENTTIME.name,
        KeyConditionExpression: `${BYEVENTTIME.partitionKey} = :pk AND ${BYEVENTTIME.sortKey} >= :since`,
        ExpressionAttributeValues: { ':pk': feedPartition(c.b, c.s), ':since': since },
        Limit: 100,
        ...(c.k ? { ExclusiveStartKey: c.k } : {}),
      }),
    );
    const tickets = new Map<string, Ticket | undefined>();
    const ticketOf = async (id: string) => {
      if (!tickets.has(id)) {
        const t = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: keys.ticket(id) }));
        tickets.set(id, t.Item ? asTicket(t.Item) : undefined);
      }
      return tickets.get(id);
    };
    const events: Array<OutboundEvent & { eventKey: string; channel?: Channel }> = [];
    for (const i of r.Items ?? []) {
      const e = i['event'] as TicketEvent;
      const ticket = await ticketOf(e.ticketId);
      const channel = ticket?.channel ?? (i['channel'] as Channel | undefined);
      if (ticket && ticket.createdAt >= since) events.push({ ...createdEvent(ticket), eventKey: TICKET_CREATED_KEY, ...(channel ? { channel } : {}) });
      events.push({ id: e.id, type: e.type, at: e.at, ticketId: e.ticketId, event: e, eventKey: i['SK'] as string, ...(channel ? { channel } : {}) });
    }
    let next: { b: string; s: number; k?: Item } | undefined;
    if (r.LastEvaluatedKey) next = { ...c, k: r.LastEvaluatedKey };
    else if (c.s + 1 < FEED.shards) next = { b: c.b, s: c.s + 1 };
    else if (c.b < bucketOf(new Date().toISOString())) next = { b: bucketOf(bucketEnd(c.b)), s: 0 };
    return { events, ...(next ? { cursor: JSON.stringify(next) } : {}) };
  }
}
