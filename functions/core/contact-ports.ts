/**
 * The contact lifecycle's port: find by address, merge, update, export, erase. Implemented on
 * DynamoDB by functions/adapters/dynamo-contacts.ts; only the api function wires it.
 */
import type { IdentityKind } from './types.ts';

export interface ContactStore {
  /** The contact an identity (kind + normalized value) belongs to, if any. */
  findByIdentity(kind: IdentityKind, value: string): Promise<string | undefined>;
}
