/** Outbound HTTPS GETs for small text resources (SNS certificates, subscription confirmations): the webhook's. */
import { readFile } from 'node:fs/promises';
import { HttpNotFoundError, type HttpFetcher } from '../core/ports.ts';

/**
 * HTTPS GETs with a timeout. Locally (SNS_CERT_FILE, STAGE=local only) SNS is not reachable: its
 * certificates come from that file so the simulator can sign, and a SubscribeURL is acknowledged
 * without a call.
 */
export function createHttpFetcher(config: { readonly snsCertFile?: string | undefined }): HttpFetcher {
  const certFile = config.snsCertFile;
  return {
    async getText(url: string): Promise<string> {
      if (certFile) {
        if (/\.pem$/.test(new URL(url).pathname)) return readFile(certFile, 'utf8');
        if (new URL(url).searchParams.get('Action') === 'ConfirmSubscription') return '<ConfirmSubscriptionResponse/>';
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
      if (!res.ok) {
        // A definite "no such resource" is distinguishable from a failure worth retrying.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new HttpNotFoundError(new URL(url).host, res.status);
        throw new Error(`GET ${new URL(url).host} answered ${res.status}`);
      }
      return res.text();
    },
  };
}
