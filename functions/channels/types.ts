/** The contract every provider's channel module fulfils. Pure: no AWS, no I/O. */
import type { Config } from '../config.ts';
import type { ChannelEvent } from '../core/types.ts';
import type { HttpRequest, HttpResponse } from '../http.ts';

export interface ChannelContext {
  readonly config: Config;
  readonly now: Date;
}

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
  receive(req: HttpRequest, ctx: ChannelContext): ReceiveResult;
}

export class ProviderNotConfigured extends Error {
  constructor(provider: string, what: string) {
    super(`${provider} is not configured: ${what}`);
    this.name = 'ProviderNotConfigured';
  }
}
