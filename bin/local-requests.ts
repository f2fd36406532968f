/**
 * `npm start`'s one line per request: `POST /webhooks/twilio 200 23 ms → ticket 01J… new`.
 *
 * The webhook handler answers the provider (empty TwiML, `ok`), not us, so what became of the
 * request is read from what the core reports anyway: the 'ingested' log (ticket id, new or not),
 * the DuplicateDeliveries / IngestParked / WebhookRejected / ItemsSkipped / StatusUpdates /
 * MessagesEdited / JobsRejected metrics, and the store's answer to "was this delivered before?"
 * (the duplicate's ticket id). The runtime's logger, metrics and store are wrapped to note these
 * on the request being served, found through AsyncLocalStorage; they still do what they did.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetricEvent } from '../functions/core/metrics.ts';
import { METRIC } from '../functions/core/metrics.ts';
import type { CoreDeps, Logger, MetricsSink, TicketStore } from '../functions/core/ports.ts';

/** What one request came to (a webhook may carry several items: one outcome each). */
export type RequestOutcome =
  | { readonly kind: 'new' | 'appended' | 'reopened' | 'duplicate'; readonly ticketId: string }
  | { readonly kind: 'parked'; readonly item: string }
  | { readonly kind: 'dead-lettered'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'status'; readonly status: string; readonly outcome: string }
  | { readonly kind: 'edit'; readonly outcome: string }
  | { readonly kind: 'not-configured' };

export interface RequestLine {
  readonly method: string;
  /** The path only: query strings can carry tokens (Meta's hub.verify_token). */
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly outcomes?: readonly RequestOutcome[];
  /** The client went away before the answer was sent. */
  readonly aborted?: boolean;
}

const MAX_SHOWN = 3;

export function describeOutcome(o: RequestOutcome): string {
  switch (o.kind) {
    case 'new':
    case 'appended':
    case 'reopened':
    case 'duplicate':
      return `ticket ${o.ticketId} ${o.kind}`;
    case 'parked':
      return `parked ${o.item} for the worker (store unavailable)`;
    case 'dead-lettered':
      return `dead-lettered (${o.reason})`;
    case 'refused':
      return `refused (${o.reason})`;
    case 'skipped':
      return `skipped (${o.reason})`;
    case 'status':
      return `status ${o.status} (${o.outcome})`;
    case 'edit':
      return `edit (${o.outcome})`;
    case 'not-configured':
      return 'provider not configured';
  }
}

/** `POST /webhooks/twilio 200 23 ms → ticket 01J… new`; several outcomes are joined, beyond three counted. */
export function formatRequestLine(r: RequestLine): string {
  const ms = r.ms < 10 ? r.ms.toFixed(1) : String(Math.round(r.ms));
  const head = `${r.method} ${r.path} ${r.aborted ? `${r.status} (client went away)` : r.status} ${ms} ms`;
  const outcomes = r.outcomes ?? [];
  if (!outcomes.length) return head;
  const shown = outcomes.slice(0, MAX_SHOWN).map(describeOutcome);
  if (outcomes.length > MAX_SHOWN) shown.push(`+${outcomes.length - MAX_SHOWN} more`);
  return `${head} → ${shown.join(', ')}`;
}

interface Tracked {
  readonly outcomes: RequestOutcome[];
}

/** Notes outcomes on the request being served; wraps a runtime's ports so they report to it. */
export class RequestTracker {
  readonly #als = new AsyncLocalStorage<Tracked>();

  /** Run `fn` as one request; `outcomes()` inside it (and after, from the returned array) are its own. */
  run<T>(fn: () => T): { result: T; outcomes: RequestOutcome[] } {
    const tracked: Tracked = { outcomes: [] };
    return { result: this.#als.run(tracked, fn), outcomes: tracked.outcomes };
  }

  note(o: RequestOutcome): void {
    this.#als.getStore()?.outcomes.push(o);
  }

  /** The ports that report outcomes, wrapped; pass the result as overrides on top of `deps`. */
  wrap(deps: Pick<CoreDeps, 'log' | 'metrics' | 'store'>): Pick<CoreDeps, 'log' | 'metrics' | 'store'> {
    return { log: this.wrapLog(deps.log), metrics: this.wrapMetrics(deps.metrics), store: this.wrapStore(deps.store) };
  }

  wrapLog(inner: Logger): Logger {
    return {
      info: (m, e) => {
        if (m === 'ingested' && typeof e?.['ticketId'] === 'string') {
          const kind = e['newTicket'] === true ? 'new' : e['reopened'] === true ? 'reopened' : 'appended';
          this.note({ kind, ticketId: e['ticketId'] });
        }
        inner.info(m, e);
      },
      warn: (m, e) => inner.warn(m, e),
      error: (m, e) => {
        if (m === 'provider not configured') this.note({ kind: 'not-configured' });
        inner.error(m, e);
      },
    };
  }

  wrapMetrics(inner: MetricsSink): MetricsSink {
    return {
      emit: (events: readonly MetricEvent[]) => {
        for (const e of events) {
          const d = e.dimensions;
          if (e.name === METRIC.WebhookRejected) this.note({ kind: 'refused', reason: d['Reason'] ?? '?' });
          else if (e.name === METRIC.IngestParked) this.note({ kind: 'parked', item: d['Kind'] ?? 'item' });
          else if (e.name === METRIC.ItemsSkipped) this.note({ kind: 'skipped', reason: d['Reason'] ?? '?' });
          else if (e.name === METRIC.StatusUpdates) this.note({ kind: 'status', status: d['Status'] ?? '?', outcome: d['Outcome'] ?? '?' });
          else if (e.name === METRIC.MessagesEdited) this.note({ kind: 'edit', outcome: d['Outcome'] ?? '?' });
          else if (e.name === METRIC.JobsRejected) this.note({ kind: 'dead-lettered', reason: d['Reason'] ?? '?' });
          // DuplicateDeliveries names no ticket: the store wrapper notes the duplicate with its ticket.
        }
        inner.emit(events);
      },
    };
  }

  /** The store, answering as before; a delivery it already holds is noted with the ticket it went to. */
  wrapStore(inner: TicketStore): TicketStore {
    return new Proxy(inner, {
      get: (target, key) => {
        if (key === 'getIngestContext') {
          const fn: TicketStore['getIngestContext'] = async (msg, dedupeKey) => {
            const ctx = await target.getIngestContext(msg, dedupeKey);
            if (ctx.duplicateOf) this.note({ kind: 'duplicate', ticketId: ctx.duplicateOf.ticketId });
            return ctx;
          };
          return fn;
        }
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}
