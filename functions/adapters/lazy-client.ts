/**
 * AWS clients a function needs only now and then (S3 for attachments and recordings, SES for email),
 * made on first use. With code splitting (lib/bundling.ts) the client's package is then a chunk of
 * its own, parsed when the first S3 or SES call is made rather than at every cold start: S3 is
 * ~150 KB of the webhook, api and worker bundles. Adapters take either a client (tests, the local
 * stack) or such a maker.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { bounded, CLIENT_TIMEOUTS } from './client-options.ts';

/** A client, or a function that makes it on first use. */
export type ClientSource<T extends object> = T | (() => Promise<T>);

export const clientOf = <T extends object>(source: ClientSource<T>): Promise<T> =>
  typeof source === 'function' ? (source as () => Promise<T>)() : Promise.resolve(source);

/**
 * One client per container, made the first time it is asked for. A failure is not kept: the next
 * call tries again (a constructor that threw; Node itself keeps a module that failed to evaluate).
 */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((e: unknown) => {
      made = undefined;
      throw e;
    }));
}

/** The Lambdas' S3 client (bounded waits), made on the first S3 call. */
export const lazyS3Client = (): (() => Promise<S3Client>) => onFirstUse(async () => new (await import('@aws-sdk/client-s3')).S3Client(bounded(CLIENT_TIMEOUTS.s3)));
