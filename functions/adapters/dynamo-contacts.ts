/** ContactStore on DynamoDB: the contact lifecycle (find by address, merge, update, export, erase). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ContactStore } from '../core/contact-ports.ts';
import type { IdentityKind } from '../core/types.ts';
import { keys } from './dynamo-store.ts';

export class DynamoContactStore implements ContactStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, table: string) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#table = table;
  }

  async findByIdentity(kind: IdentityKind, value: string): Promise<string | undefined> {
    const r = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: keys.identity(kind, value), ConsistentRead: true }));
    const id = r.Item?.['contactId'];
    return typeof id === 'string' ? id : undefined;
  }
}
