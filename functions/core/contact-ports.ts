/**
 * The contact lifecycle's port: find by address, merge, update, export, erase. Implemented on
 * DynamoDB (and S3 for erasing stored bytes) by functions/adapters/dynamo-contacts.ts; only the api
 * function wires it. Every write is conditional: a lost race is a ConflictError (re-read and retry),
 * and an item that no longer points where the caller expected is left alone.
 */
import type { ErasableMessage, ErasableTicket, StoredContact } from './contacts.ts';
import type { TicketEvent } from './ticket-events.ts';
import type { Channel, Identity, IdentityKind, IdentityLink, Message, Ticket } from './types.ts';

/** One page of a contact's tickets, newest first; `last` is the index position to continue after. */
export interface ContactTicketPage {
  readonly tickets: ErasableTicket[];
  readonly last?: string;
}

export interface ContactStore {
  /** The link an identity (kind + normalized value) has to its contact, if any. */
  findByIdentity(kind: IdentityKind, value: string): Promise<IdentityLink | undefined>;
  getContact(id: string): Promise<StoredContact | undefined>;
  /** The identity items that still point at this contact (of those it lists). */
  identitiesOf(contact: StoredContact): Promise<IdentityLink[]>;
  /** Tickets on the byContact index, newest first, after `after`; only `channels` when given. */
  ticketsOf(contactId: string, limit: number, after?: string, channels?: readonly Channel[]): Promise<ContactTicketPage>;
  /** One page of a ticket's messages, oldest first, after the sort key `after`. */
  messagesOf(ticketId: string, after?: string): Promise<{ messages: ErasableMessage[]; last?: string }>;

  /** Write the contact guarded by `expectedVersion` (the stored contact gets `expectedVersion + 1`). */
  putContact(next: StoredContact, expectedVersion: number): Promise<StoredContact>;
  /** Both contacts at once, each guarded by its version (a merge's start and finish). */
  putContacts(a: { next: StoredContact; expectedVersion: number }, b: { next: StoredContact; expectedVersion: number }): Promise<void>;

  /** Re-point an identity from one contact to another; false when it no longer points at `from`. */
  moveIdentity(identity: Identity, from: string, to: string): Promise<boolean>;
  /** Delete an identity item if it still points at the contact. */
  deleteIdentity(identity: Identity, contactId: string): Promise<void>;
  /** Rewrite a ticket guarded by its version (stored as `expectedVersion + 1`), with one event. */
  rewriteTicket(next: Ticket, expectedVersion: number, event: TicketEvent): Promise<void>;

  /** Replace a message's content with its redacted form (the item must still exist). */
  redactMessage(original: Message, redacted: ErasableMessage): Promise<void>;
  /** Replace a stored event (same key) with its redacted form. */
  replaceEvent(event: TicketEvent): Promise<void>;
  /**
   * Delete the items that lead from outside ids to a ticket, where they still point at it: the
   * message's provider-id and email Message-ID indexes (or, without a message, the ticket's thread pointer).
   */
  dropMessageIndexes(ticket: Ticket, message: Message): Promise<void>;
  dropThreadPointer(ticket: Ticket): Promise<void>;
  /** Delete stored bytes (attachments, full texts, large HTML) by key; keys outside the attachments prefix are ignored. */
  deleteObjects(keys: readonly string[]): Promise<void>;
}

/** Deletes objects in the attachments bucket (functions/adapters/s3-erase.ts). */
export interface ObjectEraser {
  deleteObjects(keys: readonly string[]): Promise<void>;
}
