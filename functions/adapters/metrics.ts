/** MetricsSink on Powertools Metrics: CloudWatch Embedded Metric Format on stdout, no PutMetricData. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricEvent } from '../core/metrics.ts';
import type { MetricsSink } from '../core/ports.ts';

/**
 * Powertools warns whenever a key appears in two dimension sets; publishing one value under
 * [Channel] and [Channel, Priority] does exactly that on purpose, so those two warnings are dropped.
 */
const INTENDED = /is defined as both a dimension|has already been added/;
const quietLogger = {
  debug: () => undefined,
  info: (...a: unknown[]) => console.info(...a),
  warn: (...a: unknown[]) => {
    if (!INTENDED.test(String(a[0]))) console.warn(...a);
  },
  error: (...a: unknown[]) => console.error(...a),
};

export class EmfMetrics implements MetricsSink {
  readonly #metrics: Metrics;
  constructor(namespace: string, serviceName = 'support-webhooks') {
    this.#metrics = new Metrics({ namespace, serviceName, logger: quietLogger });
  }

  emit(events: readonly MetricEvent[]): void {
    for (const e of events) {
      // One EMF document per metric, each with exactly its own dimensions.
      const single = this.#metrics.singleMetric();
      for (const [k, v] of Object.entries(e.dimensions)) single.addDimension(k, v);
      for (const set of e.moreDimensionSets ?? []) single.addDimensions({ ...set });
      single.addMetric(e.name, e.unit === 'Seconds' ? MetricUnit.Seconds : e.unit === 'None' ? MetricUnit.NoUnit : MetricUnit.Count, e.value);
    }
  }
}

/** Records every event and forwards it; used by tests and the local stack's introspection. */
export class RecordingMetrics implements MetricsSink {
  readonly events: MetricEvent[] = [];
  readonly #inner: MetricsSink | undefined;
  constructor(inner?: MetricsSink) {
    this.#inner = inner;
  }
  emit(events: readonly MetricEvent[]): void {
    this.events.push(...events);
    this.#inner?.emit(events);
  }
}
