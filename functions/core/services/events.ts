/** Apply one verified channel event: a message to ingest, a delivery status, an edit. */
import { METRIC, count } from '../metrics.ts';
import type { CoreDeps } from '../ports.ts';
import type { ChannelEvent, Job } from '../types.ts';
import { ingestMessage } from './ingest.ts';

export type ActionableEvent = Exclude<ChannelEvent, { kind: 'skipped' }>;

/** The worker job that finishes an event later if applying it now fails. */
export function jobOf(event: ActionableEvent): Job {
  switch (event.kind) {
    case 'message':
      return { kind: 'ingest', message: event.message };
    case 'status':
      return { kind: 'status', update: event.update };
    case 'edit':
      return { kind: 'edit', edit: event.edit };
    case 'call':
      return { kind: 'call', call: event.call };
  }
}

export async function applyEvent(deps: CoreDeps, event: ActionableEvent): Promise<void> {
  switch (event.kind) {
    case 'message':
      await ingestMessage(deps, event.message);
      return;
    case 'call':
      // Voice (and the phone-number library it needs) loads with the first call event, not at every cold start.
      await (await import('./voice.ts')).applyCallEvent(deps, event.call);
      return;
    case 'status': {
      const u = event.update;
      const outcome = await deps.store.applyDeliveryStatus(u, deps.ids.newId(), deps.clock.now().toISOString());
      deps.metrics.emit([count(METRIC.StatusUpdates, { Provider: u.provider, Status: u.status, Outcome: outcome })]);
      deps.log.info('delivery status', { provider: u.provider, providerMessageId: u.providerMessageId, status: u.status, outcome });
      return;
    }
    case 'edit': {
      const e = event.edit;
      const outcome = await deps.store.applyEdit(e, deps.clock.now().toISOString());
      deps.metrics.emit([count(METRIC.MessagesEdited, { Provider: e.provider, Outcome: outcome })]);
      deps.log.info('message edited', { provider: e.provider, providerMessageId: e.providerMessageId, deleted: e.deleted ?? false, outcome });
      return;
    }
  }
}
