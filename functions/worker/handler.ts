/**
 * Lambda entry for the follow-up and ingest-retry queues. Reports partial batch failures so only
 * the failing records are retried (and reach the DLQ after maxReceiveCount). A record that can
 * never succeed (not a job, or a PermanentError) goes to its queue's DLQ at once, with the reason.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { FunctionRuntime } from '../wiring/common.ts';
import { workerRuntime } from '../wiring/worker.ts';
import { METRIC, count } from '../core/metrics.ts';
import { PermanentError, type CoreDeps } from '../core/ports.ts';
import { runJob } from '../core/services/worker.ts';
import type { Job } from '../core/types.ts';
import type { Config } from '../config.ts';
import { QUEUES } from '../spec.ts';

const JobEnvelope = z.object({ kind: z.enum(['ack', 'sla-check', 'deliver', 'ingest', 'status', 'edit', 'follow-up', 'assign', 'rule-note', 'call', 'voice-settle', 'voice-recording', 'voice-transcript']) }).loose();
const ISO = z.iso.datetime();
/** Follow-up timers are checked whole: their times decide what the worker does. */
const FollowUpJob = z
  .object({ kind: z.literal('follow-up'), ticketId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/), purpose: z.enum(['survey', 'reminder', 'auto-resolve', 'auto-close']), dueAt: ISO, since: ISO })
  .strict();

/** The job in a record; a body that is not one is a PermanentError (no retry will make it one). */
export function parseJob(record: Pick<SQSRecord, 'body'>): Job {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new PermanentError('invalid_job', 'the message body is not JSON');
  }
  const parsed = JobEnvelope.safeParse(body);
  if (!parsed.success) throw new PermanentError('invalid_job', 'the message body is not a known job');
  if (parsed.data.kind === 'follow-up' && !FollowUpJob.safeParse(body).success) throw new PermanentError('invalid_job', 'the follow-up job is not valid');
  return parsed.data as unknown as Job;
}

/** Which of our queues a record came from (by queue name at the end of its ARN). */
export function sourceQueue(config: Pick<Config, 'followUpQueueUrl' | 'ingestQueueUrl'>, record: Pick<SQSRecord, 'eventSourceARN'>): 'followUp' | 'ingest' {
  const name = record.eventSourceARN?.split(':').pop();
  return name && config.ingestQueueUrl.endsWith(`/${name}`) ? 'ingest' : 'followUp';
}

/** min(2^(n-1), cap) seconds, ±20 % (`jitter` in [0, 1)), at least 1: 1, 2, 4, 8, … then the cap. */
export const retryDelaySeconds = (receiveCount: number, capSeconds: number, jitter: number): number =>
  Math.max(1, Math.round(Math.min(2 ** Math.max(0, receiveCount - 1), capSeconds) * (0.8 + 0.4 * jitter)));

/** What a failed job was, for the log line: its kind and the ids it names (never its text). */
function jobSummary(record: SQSRecord): Record<string, string> {
  try {
    const job = parseJob(record) as unknown as Record<string, unknown>;
    const out: Record<string, string> = { kind: String(job['kind']) };
    for (const k of ['ticketId', 'messageId', 'callId', 'recordingId', 'transcriptId', 'provider', 'purpose', 'team']) {
      if (typeof job[k] === 'string') out[k] = job[k] as string;
    }
    return out;
  } catch {
    return { kind: 'unparseable' };
  }
}

/** Run one record; true when it is done (succeeded, or dead-lettered for good), false to retry it. */
export async function processRecord(deps: CoreDeps, config: Config, record: SQSRecord): Promise<boolean> {
  try {
    await runJob(deps, parseJob(record), { id: record.messageId });
    return true;
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const receiveCount = record.attributes?.ApproximateReceiveCount;
    if (e instanceof PermanentError) {
      const queue = sourceQueue(config, record);
      const moved = await deps.deadLetters.send(queue, record.body, e.reason, error).catch(() => false);
      deps.metrics.emit([count(METRIC.JobsRejected, { Queue: queue, Reason: e.reason })]);
      deps.log.error(moved ? 'job can never succeed; moved to the DLQ' : 'job can never succeed; no DLQ configured, retrying until SQS moves it', {
        messageId: record.messageId,
        queue,
        job: jobSummary(record),
        reason: e.reason,
        receiveCount,
        error,
      });
      return moved;
    }
    // Transient: come back soon, then less often (the DLQ only after maxReceiveCount).
    const queue = sourceQueue(config, record);
    const delay = retryDelaySeconds(Number(receiveCount ?? 1), QUEUES[queue].retryCapSeconds, Math.random());
    await deps.retries.retryIn(queue, record.receiptHandle, delay).catch(() => undefined);
    deps.log.error('job failed', { messageId: record.messageId, queue, job: jobSummary(record), receiveCount, retryInSeconds: delay, error });
    return false;
  }
}

export const makeWorkerHandler = (getRuntime: () => Promise<FunctionRuntime>) =>
  middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const rt = await getRuntime();
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      if (!(await processRecord(rt.deps, rt.config, record))) failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  });

export const handler = makeWorkerHandler(workerRuntime);
