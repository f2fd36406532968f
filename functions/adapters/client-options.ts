/**
 * Bounded waits for the AWS SDK clients (no SDK import here, so each function's wiring creates only
 * the clients it uses). Every call has a connection and a request timeout and at most one retry, so
 * a webhook can always park (or answer 503) within its deadline when a service is slow or down.
 * DynamoDB and SQS answer in milliseconds when healthy; S3 carries attachment bytes; SES a mail.
 * Every client also gets the per-call savings of sdk-lean.ts (no log-filter walk, faster SigV4 HMAC).
 */
import { LEAN_SDK } from './sdk-lean.ts';

export const CLIENT_TIMEOUTS = {
  dynamo: { connectionTimeout: 300, requestTimeout: 1_000 },
  sqs: { connectionTimeout: 300, requestTimeout: 1_000 },
  s3: { connectionTimeout: 300, requestTimeout: 3_000 },
  ses: { connectionTimeout: 500, requestTimeout: 5_000 },
  /** Read once per cold start; a webhook that cannot get its config answers 5xx and the provider retries. */
  secrets: { connectionTimeout: 300, requestTimeout: 1_000 },
} as const;

export const bounded = (t: { connectionTimeout: number; requestTimeout: number }, scale = 1) => ({
  requestHandler: { connectionTimeout: t.connectionTimeout * scale, requestTimeout: t.requestTimeout * scale, throwOnRequestTimeout: true },
  maxAttempts: 2,
  ...LEAN_SDK,
});
