/** The contract every provider's channel module fulfils. Pure: no AWS, no I/O. */
import type { Config } from '../config.ts';
import type { ChannelEvent } from '../core/types.ts';
import type { HttpRequest, HttpResponse } from '../http.ts';

/** The I/O a few channels need (SNS certificates, SES mail in S3, Mailgun token replay), behind ports. */
export interface ChannelIO {
  /** HTTPS GET of a small text resource (an SNS certificate, a SubscribeURL). */
  fetchText(url: string): Promise<string>;
  getObject(bucket: string, key: string): Promise<Buffer>;
  /** True the first time a value is seen in a scope (or again for the same binding), false on a replay. */
  claimNonce(scope: string, value: string, ttlSeconds: number, binding: string): Promise<boolean>;
}

export interface ChannelContext {
  readonly config: Config;
  readonly now: Date;
  readonly io: ChannelIO;
}

/** What channels that need no I/O get. */
export type SyncContext = Pick<ChannelContext, 'config' | 'now'>;

export type ReceiveResult =
  /** Verified events to apply, item by item; `ok` is the provider's expected success answer. */
  | { readonly kind: 'events'; readonly events: readonly ChannelEvent[]; readonly ok: HttpResponse }
  /** A handshake or anything answered without ingesting. */
  | { readonly kind: 'response'; readonly response: HttpResponse };

export interface ChannelModule {
  readonly provider: string;
  /**
   * Verify, parse and normalize a webhook request. Throws ClientError for anything the caller
   * got wrong (403 for authenticity, 400/415 for the payload) and ProviderNotConfigured when the
   * operator has not set the provider's secret.
   */
  receive(req: HttpRequest, ctx: ChannelContext): ReceiveResult | Promise<ReceiveResult>;
}

export class ProviderNotConfigured extends Error {
  constructor(provider: string, what: string) {
    super(`${provider} is not configured: ${what}`);
    this.name = 'ProviderNotConfigured';
  }
}
