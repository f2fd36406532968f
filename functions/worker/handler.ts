/**
 * Lambda entry for the follow-up and ingest-retry queues. Reports partial batch failures so only
 * the failing records are retried (and reach the DLQ after maxReceiveCount).
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { defaultRuntime, type Runtime } from '../app.ts';
import { runJob } from '../core/services/worker.ts';
import type { Job } from '../core/types.ts';

const JobEnvelope = z.object({ kind: z.enum(['ack', 'sla-check', 'deliver', 'ingest', 'status', 'edit']) }).loose();

export function parseJob(record: SQSRecord): Job {
  const parsed = JobEnvelope.parse(JSON.parse(record.body));
  return parsed as unknown as Job;
}

export const makeWorkerHandler = (getRuntime: () => Promise<Runtime>) =>
  middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const rt = await getRuntime();
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await runJob(rt.deps, parseJob(record));
      } catch (e) {
        rt.deps.log.error('job failed', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: e instanceof Error ? e.message : String(e),
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  });

export const handler = makeWorkerHandler(defaultRuntime);
