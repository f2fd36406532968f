/**
 * Client middleware that records every DynamoDB and SQS call a stack makes: command, timing, the
 * low-level (marshalled) input when asked (so the raw floor can replay exactly what the store sent),
 * DynamoDB ConsumedCapacity (asking for ReturnConsumedCapacity=TOTAL when `capacity` is on) and SQS
 * request sizes. The DynamoDB document client shares its base client's middleware stack, so adding
 * to `clients.dynamo` sees the store's calls too.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

export interface CallRecord {
  readonly service: 'dynamodb' | 'sqs';
  readonly command: string;
  readonly start: number;
  end: number;
  ok: boolean;
  /** Marshalled input (only when `keepInputs`). */
  input?: Record<string, unknown>;
  /** DynamoDB capacity units as returned (read-side or write-side by command). */
  readUnits?: number;
  writeUnits?: number;
  /** DynamoDB Query/Scan: items evaluated and returned. */
  scanned?: number;
  count?: number;
  /** SQS: entries sent or messages received, and billed 64 KB request chunks. */
  entries?: number;
  billedRequests?: number;
  /** SQS: entries sent with a delay (SLA checks). */
  delayed?: number;
  queueUrl?: string;
  /** DynamoDB: items asked for by key (Get/BatchGet), to apply DynamoDB's minimum charge for misses. */
  keys?: number;
  /** Which function made the call (from the async stack), when `tagCallers` is on. */
  caller?: 'webhook' | 'worker' | 'api' | 'other';
}

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

type Units = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };
const sumUnits = (c: Units | Units[] | undefined): number =>
  c === undefined ? 0 : (Array.isArray(c) ? c : [c]).reduce((s, u) => s + (u.CapacityUnits ?? (u.ReadCapacityUnits ?? 0) + (u.WriteCapacityUnits ?? 0)), 0);

/** SQS bills each 64 KB chunk of a request's payload as one request. */
const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / 65_536));

export interface RecorderOptions {
  keepInputs?: boolean;
  capacity?: boolean;
  tagCallers?: boolean;
}

/** The function a call came from, read off V8's async stack trace (recording only: it costs a stack capture). */
export function callerOf(stack: string): CallRecord['caller'] {
  const m = /functions\/(webhook|worker|api)\//.exec(stack);
  return (m?.[1] as CallRecord['caller']) ?? 'other';
}

// The middleware signatures are generic in the SDK; the recorder only reads plain fields.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Mw = (next: (args: any) => Promise<any>, context: any) => (args: any) => Promise<any>;

export class Recorder {
  records: CallRecord[] = [];
  recording = true;
  keepInputs: boolean;
  capacity: boolean;
  #tagCallers = false;
  #savedLimit = Error.stackTraceLimit;
  constructor(opts: RecorderOptions = {}) {
    this.keepInputs = opts.keepInputs ?? false;
    this.capacity = opts.capacity ?? false;
    this.tagCallers = opts.tagCallers ?? false;
  }

  get tagCallers(): boolean {
    return this.#tagCallers;
  }
  set tagCallers(on: boolean) {
    if (on && !this.#tagCallers) {
      this.#savedLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 100;
    } else if (!on && this.#tagCallers) Error.stackTraceLimit = this.#savedLimit;
    this.#tagCallers = on;
  }

  #caller(): CallRecord['caller'] | undefined {
    return this.#tagCallers ? callerOf(new Error().stack ?? '') : undefined;
  }

  /** Take the records so far and start afresh. */
  take(): CallRecord[] {
    const r = this.records;
    this.records = [];
    return r;
  }

  attachDynamo(client: DynamoDBClient): this {
    const timing: Mw = (next, context) => async (args) => {
      const command = String(context.commandName ?? 'unknown');
      if (!this.recording) return next(args);
      if (this.capacity && (READS.has(command) || WRITES.has(command))) args = { ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } };
      const rec: CallRecord = { service: 'dynamodb', command, start: performance.now(), end: 0, ok: false };
      const caller = this.#caller();
      if (caller) rec.caller = caller;
      const i = args.input ?? {};
      if (command === 'GetItemCommand') rec.keys = 1;
      if (command === 'BatchGetItemCommand') rec.keys = Object.values(i.RequestItems ?? {}).reduce((s: number, t: any) => s + (t.Keys?.length ?? 0), 0);
      context.__benchRecord = rec;
      this.records.push(rec);
      try {
        const out = await next(args);
        rec.ok = true;
        const o = out.output ?? {};
        const units = sumUnits(o.ConsumedCapacity);
        if (READS.has(command)) rec.readUnits = units;
        if (WRITES.has(command)) rec.writeUnits = units;
        if (o.ScannedCount !== undefined) rec.scanned = o.ScannedCount;
        if (o.Count !== undefined) rec.count = o.Count;
        return out;
      } finally {
        rec.end = performance.now();
      }
    };
    const inputs: Mw = (next, context) => async (args) => {
      const rec = context.__benchRecord as CallRecord | undefined;
      if (rec && this.keepInputs && !rec.input) rec.input = structuredClone(args.input);
      return next(args);
    };
    client.middlewareStack.add(timing as never, { step: 'initialize', name: 'benchTiming', priority: 'high' });
    client.middlewareStack.add(inputs as never, { step: 'build', name: 'benchInputs', priority: 'high' });
    return this;
  }

  attachSqs(client: SQSClient): this {
    const mw: Mw = (next, context) => async (args) => {
      if (!this.recording) return next(args);
      const command = String(context.commandName ?? 'unknown');
      const i = args.input ?? {};
      const bytes = Array.isArray(i.Entries)
        ? i.Entries.reduce((s: number, e: { MessageBody?: string }) => s + Buffer.byteLength(e.MessageBody ?? ''), 0)
        : Buffer.byteLength(String(i.MessageBody ?? ''));
      const rec: CallRecord = {
        service: 'sqs',
        command,
        start: performance.now(),
        end: 0,
        ok: false,
        billedRequests: chunks(bytes),
        ...(Array.isArray(i.Entries) ? { entries: i.Entries.length, delayed: i.Entries.filter((e: { DelaySeconds?: number }) => (e.DelaySeconds ?? 0) > 0).length } : {}),
        ...(typeof i.QueueUrl === 'string' ? { queueUrl: i.QueueUrl } : {}),
      };
      if (this.keepInputs) rec.input = structuredClone(i);
      const caller = this.#caller();
      if (caller) rec.caller = caller;
      // A long poll belongs to the moment it returns (it may have started before the records were taken).
      const receive = command === 'ReceiveMessageCommand';
      if (!receive) this.records.push(rec);
      try {
        const out = await next(args);
        rec.ok = true;
        if (receive) rec.entries = out.output?.Messages?.length ?? 0;
        return out;
      } finally {
        rec.end = performance.now();
        if (receive && this.recording) this.records.push(rec);
      }
    };
    client.middlewareStack.add(mw as never, { step: 'initialize', name: 'benchSqs', priority: 'high' });
    return this;
  }
}
