/**
 * Redrive: move a queue's dead letters back to the queue they came from, for an operator (`npm run
 * redrive`, POST /v1/admin/redrive). Receive from the DLQ, send to the source with the same body and
 * attributes, delete from the DLQ only after the send succeeded: at-least-once, never lost (a crash
 * between send and delete leaves a copy in the DLQ; every job is idempotent). Pure over the port.
 *
 * Not SQS's StartMessageMoveTask: fauxqs does not implement it, so it could not run locally, and it
 * reports no per-message result; this loop runs the same on both and says what it moved.
 */
import { QUEUES } from '../spec.ts';

export type QueueId = keyof typeof QUEUES;

/** `followUp` → `follow-up`: the names operators type (README, CLI, API). */
export const queueName = (id: string): string => id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const QUEUE_NAMES = Object.keys(QUEUES).map(queueName);
export const queueIdOf = (name: string): QueueId | undefined => (Object.keys(QUEUES) as QueueId[]).find((id) => queueName(id) === name);

/** Dead-letter bookkeeping our DeadLetters adapter adds; not carried back to the source queue. */
export const DEAD_LETTER_ATTRIBUTES = ['reason', 'error', 'deadLetteredAt'] as const;

export interface DeadLetter {
  readonly id: string;
  readonly receipt: string;
  readonly body: string;
  /** String message attributes (the job's `kind`, and the dead-letter reason when we put it there). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** The DLQ and source queue of every queue of the stack. */
export interface DeadLetterQueues {
  /** Approximate number of messages waiting in the queue's DLQ (and in flight there). */
  count(queue: QueueId): Promise<{ readonly waiting: number; readonly inFlight: number }>;
  /** Up to 10 dead letters, hidden from other readers for `visibilitySeconds` (0: a peek). */
  receive(queue: QueueId, max: number, visibilitySeconds: number): Promise<DeadLetter[]>;
  /** Send to the source queue; the ids whose send failed. */
  sendToSource(queue: QueueId, messages: readonly DeadLetter[]): Promise<ReadonlySet<string>>;
  /** Delete from the DLQ (after a successful send). */
  remove(queue: QueueId, messages: readonly DeadLetter[]): Promise<void>;
  /** Make dead letters visible again at once (their send failed). */
  release(queue: QueueId, messages: readonly DeadLetter[]): Promise<void>;
}

export interface MovedMessage {
  readonly id: string;
  readonly kind: string | null;
  readonly reason: string | null;
  readonly deadLetteredAt: string | null;
}

export interface RedriveResult {
  readonly queue: string;
  readonly dryRun: boolean;
  /** How many are waiting in the DLQ (approximate, as SQS counts it; after the move unless a dry run). */
  readonly waiting: number;
  readonly moved: number;
  readonly failed: number;
  /** The call stopped at its bound (messages or time) with more waiting: call again. */
  readonly more: boolean;
  /** Moved (or, in a dry run, a peek at up to 10 of the) messages: id, kind, why they were dead-lettered. */
  readonly messages: MovedMessage[];
}

export interface RedriveOptions {
  readonly dryRun: boolean;
  /** Most messages moved by one call. */
  readonly maxMessages: number;
  /** Stop starting new batches after this time (ms since epoch), e.g. inside a Lambda's deadline. */
  readonly deadline?: number;
  readonly now?: () => number;
}

/** While a batch is being moved it stays hidden from other readers this long. */
const BATCH_VISIBILITY_SECONDS = 60;
/** Messages listed in a result. */
const LISTED = 100;

const describe = (m: DeadLetter): MovedMessage => ({
  id: m.id,
  kind: m.attributes['kind'] ?? null,
  reason: m.attributes['reason'] ?? null,
  deadLetteredAt: m.attributes['deadLetteredAt'] ?? null,
});

export async function redrive(port: DeadLetterQueues, queue: QueueId, opts: RedriveOptions): Promise<RedriveResult> {
  const name = queueName(queue);
  const now = opts.now ?? Date.now;
  if (opts.dryRun) {
    const { waiting, inFlight } = await port.count(queue);
    const peek = waiting > 0 ? await port.receive(queue, 10, 0) : [];
    return { queue: name, dryRun: true, waiting: waiting + inFlight, moved: 0, failed: 0, more: false, messages: peek.map(describe) };
  }
  let moved = 0;
  let failed = 0;
  let more = false;
  const messages: MovedMessage[] = [];
  for (;;) {
    if (moved >= opts.maxMessages || (opts.deadline !== undefined && now() >= opts.deadline)) {
      more = true;
      break;
    }
    const batch = await port.receive(queue, Math.min(10, opts.maxMessages - moved), BATCH_VISIBILITY_SECONDS);
    if (batch.length === 0) break;
    const notSent = await port.sendToSource(queue, batch);
    const sent = batch.filter((m) => !notSent.has(m.id));
    if (sent.length) await port.remove(queue, sent);
    moved += sent.length;
    for (const m of sent) if (messages.length < LISTED) messages.push(describe(m));
    if (notSent.size) {
      // Leave them where they were, visible again; stop rather than retry them in a loop.
      failed += notSent.size;
      await port.release(queue, batch.filter((m) => notSent.has(m.id)));
      more = true;
      break;
    }
  }
  const waiting = (await port.count(queue)).waiting;
  return { queue: name, dryRun: false, waiting, moved, failed, more: more && waiting > 0, messages };
}
