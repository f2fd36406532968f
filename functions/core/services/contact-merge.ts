/**
 * Merge one contact into another (POST /v1/contacts/{id}/merge): bounded, resumable, idempotent.
 *
 * 1. Lock both contacts for this merge (one transaction, each guarded by its version): no other
 *    merge or erase may touch them until it finishes; repeating this merge resumes it.
 * 2. Re-point each of the source's identity items at the survivor (only where it still points at
 *    the source), so a new message from any of its addresses lands on the survivor from now on.
 * 3. Rewrite each of the source's tickets with the survivor's id (guarded by version, with a
 *    `contact.merged` event), paging the byContact index; at most MERGE_TICKETS_PER_CALL per call.
 * 4. Finish in one transaction: the survivor gains the identities (and missing name and
 *    attributes), the source becomes a tombstone (`mergedInto`, `mergedAt`, `mergedBy`).
 * 5. Sweep the source's index once more for a ticket an in-flight message opened meanwhile.
 */
import { checkMerge, mergeLockOf, planMergeFinish, type StoredContact } from '../contacts.ts';
import { ClientError, ConflictError } from '../errors.ts';
import type { CoreDeps } from '../ports.ts';
import type { IdentityLink } from '../types.ts';
import { checkContactVersion, getContactOr404, staleContact } from './contacts.ts';
import { lostRace } from './retry.ts';

/** Tickets one merge request moves at most; a larger merge answers 202 and the caller repeats it. */
export const MERGE_TICKETS_PER_CALL = 200;

export interface MergeResult {
  readonly survivor: StoredContact;
  readonly identities: IdentityLink[];
  readonly from: string;
  /** False when the ticket budget ran out: repeat the same request to continue. */
  readonly done: boolean;
  readonly mergedAt?: string;
  readonly mergedBy?: string;
  readonly attributesNotMerged: string[];
}

export async function mergeContacts(deps: CoreDeps, intoId: string, fromId: string, by: string, ifVersion: number | undefined, budget = MERGE_TICKETS_PER_CALL): Promise<MergeResult> {
  if (intoId === fromId) throw new ClientError(400, 'invalid_merge', 'A contact cannot be merged into itself.');
  for (let attempt = 1; ; attempt++) {
    const [into, from] = await Promise.all([getContactOr404(deps, intoId), deps.contacts.getContact(fromId)]);
    if (!from) throw new ClientError(404, 'not_found', `No contact with id "${fromId}" to merge.`);
    const state = checkMerge(into, from);
    if (state === 'done') {
      // Already merged: the same answer, after moving any ticket a late message left behind.
      await moveTickets(deps, from.id, into.id, by, budget);
      return { survivor: into, identities: await deps.contacts.identitiesOf(into), from: from.id, done: true, mergedAt: from.mergedAt!, mergedBy: from.mergedBy!, attributesNotMerged: [] };
    }
    try {
      if (state === 'start') {
        checkContactVersion(into, ifVersion);
        const lock = mergeLockOf(from.id, into.id);
        await deps.contacts.putContacts({ next: { ...into, mergeLock: lock }, expectedVersion: into.version }, { next: { ...from, mergeLock: lock }, expectedVersion: from.version });
        continue; // re-read both, now locked: the rest runs as a resume
      }
      return await resume(deps, into, from, by, budget);
    } catch (e) {
      if (e instanceof ConflictError && ifVersion !== undefined && state === 'start') throw staleContact();
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
  }
}

async function resume(deps: CoreDeps, into: StoredContact, from: StoredContact, by: string, budget: number): Promise<MergeResult> {
  await Promise.all(from.identities.map((i) => deps.contacts.moveIdentity(i, from.id, into.id)));
  if (!(await moveTickets(deps, from.id, into.id, by, budget))) {
    return { survivor: into, identities: await deps.contacts.identitiesOf(into), from: from.id, done: false, attributesNotMerged: [] };
  }
  const plan = planMergeFinish(into, from, by, deps.clock.now());
  await deps.contacts.putContacts({ next: plan.survivor, expectedVersion: into.version }, { next: plan.tombstone, expectedVersion: from.version });
  await moveTickets(deps, from.id, into.id, by, budget);
  const survivor = { ...plan.survivor, version: into.version + 1 };
  deps.log.info('contacts merged', { from: from.id, into: into.id, by });
  return {
    survivor,
    identities: await deps.contacts.identitiesOf(survivor),
    from: from.id,
    done: true,
    mergedAt: plan.tombstone.mergedAt!,
    mergedBy: by,
    attributesNotMerged: plan.attributesNotMerged,
  };
}

/**
 * Re-point the source's tickets at the survivor, newest first, each guarded by its version and
 * recorded as a `contact.merged` event; true when none is left, false when `budget` ran out.
 */
export async function moveTickets(deps: CoreDeps, fromId: string, intoId: string, by: string, budget: number): Promise<boolean> {
  let moved = 0;
  let after: string | undefined;
  do {
    const page = await deps.contacts.ticketsOf(fromId, 25, after);
    for (const listed of page.tickets) {
      if (moved >= budget) return false;
      if (await moveTicket(deps, listed.id, fromId, intoId, by)) moved++;
    }
    after = page.last;
  } while (after);
  return true;
}

async function moveTicket(deps: CoreDeps, ticketId: string, fromId: string, intoId: string, by: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    // The index is eventually consistent: the ticket itself (read consistently) says whether it still needs moving.
    const t = await deps.store.getTicket(ticketId);
    if (!t || t.contactId !== fromId) return false;
    const at = deps.clock.now().toISOString();
    try {
      await deps.contacts.rewriteTicket({ ...t, contactId: intoId }, t.version, { id: deps.ids.newId(), ticketId, at, actor: `api:${by}`, via: `api:${by}`, type: 'contact.merged', from: fromId, to: intoId });
      return true;
    } catch (e) {
      if (await lostRace(e, attempt)) continue;
      throw e;
    }
  }
}
