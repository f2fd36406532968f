/**
 * Erase a contact (DELETE /v1/contacts/{id}): bounded, resumable, idempotent.
 *
 * 1. Mark the contact `erasingAt` (guarded by version): merges refuse it from now on.
 * 2. Delete its identity items (where they still point at it): the next message from any of its
 *    addresses starts a fresh contact.
 * 3. For each of its tickets (byContact index): delete the messages' stored bytes (S3), their
 *    provider-id and Message-ID index items, redact each message, redact events holding provider
 *    error text, delete the thread pointer (its key holds the address), then rewrite the ticket
 *    without personal data (guarded by version: a message that arrived meanwhile makes it redo).
 *    At most ERASE_MESSAGES_PER_CALL message writes per call; more answers 202 and the caller repeats.
 * 4. Write the contact as an erased tombstone: id and dates only.
 */
import { erasedContact, objectKeysOf, redactEvent, redactMessage, redactTicket, type StoredContact } from '../contacts.ts';
import { ClientError, ConflictError } from '../errors.ts';
import type { CoreDeps } from '../ports.ts';
import { checkContactVersion, getContactOr404, staleContact } from './contacts.ts';
import { lostRace } from './retry.ts';

/** Message redactions one erase request makes at most (each is a few small writes). */
export const ERASE_MESSAGES_PER_CALL = 300;

export interface EraseResult {
  readonly contact: StoredContact;
  /** False when the budget ran out: repeat the same request to continue. */
  readonly done: boolean;
}

export async function eraseContact(deps: CoreDeps, id: string, by: string, ifVersion: number | undefined, maxMessages = ERASE_MESSAGES_PER_CALL): Promise<EraseResult> {
  let c = await startErase(deps, id, ifVersion);
  await Promise.all(c.identities.map((i) => deps.contacts.deleteIdentity(i, c.id)));
  const budget = { left: maxMessages };
  let after: string | undefined;
  do {
    const page = await deps.contacts.ticketsOf(c.id, 25, after);
    for (const t of page.tickets) {
      if (!t.erasedAt && !(await eraseTicket(deps, t.id, c.id, by, budget))) return { contact: c, done: false };
    }
    after = page.last;
  } while (after);
  if (!c.erasedAt) {
    for (let attempt = 1; ; attempt++) {
      try {
        c = await deps.contacts.putContact(erasedContact(c, c.erasingAt ?? deps.clock.now().toISOString(), by), c.version);
        break;
      } catch (e) {
        if (!(await lostRace(e, attempt))) throw e;
        c = await getContactOr404(deps, id);
        if (c.erasedAt) break;
      }
    }
    deps.log.info('contact erased', { contactId: c.id, by });
  }
  return { contact: c, done: true };
}

/** The contact, marked as being erased (or already erased); merged or merging contacts are refused. */
async function startErase(deps: CoreDeps, id: string, ifVersion: number | undefined): Promise<StoredContact> {
  for (let attempt = 1; ; attempt++) {
    const c = await getContactOr404(deps, id);
    if (c.mergedInto) throw new ClientError(409, 'contact_merged', `Contact ${id} was merged into ${c.mergedInto}; erase that contact.`, { mergedInto: c.mergedInto });
    if (c.erasingAt || c.erasedAt) return c;
    if (c.mergeLock) {
      const [from, into] = c.mergeLock.split('>');
      throw new ClientError(409, 'merge_in_progress', `Contact ${id} is part of an unfinished merge of ${from} into ${into}; repeat that merge first.`, { from, into });
    }
    checkContactVersion(c, ifVersion);
    try {
      return await deps.contacts.putContact({ ...c, erasingAt: deps.clock.now().toISOString() }, c.version);
    } catch (e) {
      if (e instanceof ConflictError && ifVersion !== undefined) throw staleContact();
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
  }
}

/** Erase one ticket's personal data; false when the budget ran out first (what is done stays done). */
async function eraseTicket(deps: CoreDeps, ticketId: string, contactId: string, by: string, budget: { left: number }): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const t = await deps.store.getTicket(ticketId);
    if (!t || t.contactId !== contactId || (t as { erasedAt?: string }).erasedAt) return true;
    const at = deps.clock.now().toISOString();
    let after: string | undefined;
    do {
      const page = await deps.contacts.messagesOf(t.id, after);
      for (const m of page.messages) {
        if (m.erasedAt) continue;
        if (budget.left-- <= 0) return false;
        // Bytes and index items first: they are found through the message, which is redacted last.
        await deps.contacts.deleteObjects(objectKeysOf(m));
        await deps.contacts.dropMessageIndexes(t, m);
        await deps.contacts.redactMessage(m, redactMessage(m, at));
        // Again once redacted: a call recording a download stored meanwhile (its later write is refused).
        if (m.voice) await deps.contacts.deleteObjects(objectKeysOf(m));
      }
      after = page.last;
    } while (after);
    let cursor: string | undefined;
    do {
      const page = await deps.store.listEvents(t.id, 200, cursor);
      for (const e of page.events) {
        const redacted = redactEvent(e);
        if (redacted) await deps.contacts.replaceEvent(redacted);
      }
      cursor = page.last;
    } while (cursor);
    await deps.contacts.dropThreadPointer(t);
    try {
      await deps.contacts.rewriteTicket(redactTicket(t, at), t.version, { id: deps.ids.newId(), ticketId, at, actor: `api:${by}`, via: `api:${by}`, type: 'contact.erased', contactId });
      return true;
    } catch (e) {
      // A message arrived (or an agent acted) meanwhile: do the ticket again.
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
  }
}
