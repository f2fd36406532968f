/** Metric names and the shape the core hands to the metrics port. */
export const METRIC = {
  MessagesReceived: 'MessagesReceived',
  TicketsCreated: 'TicketsCreated',
  TicketsReopened: 'TicketsReopened',
  DuplicateDeliveries: 'DuplicateDeliveries',
  WebhookRejected: 'WebhookRejected',
  IngestParked: 'IngestParked',
  SlaBreached: 'SlaBreached',
  FirstResponseTime: 'FirstResponseTime',
  ResolutionTime: 'ResolutionTime',
  AutoAcksSent: 'AutoAcksSent',
  OutboundFailed: 'OutboundFailed',
  ItemsSkipped: 'ItemsSkipped',
  StatusUpdates: 'StatusUpdates',
  MessagesEdited: 'MessagesEdited',
  /** An automated message not sent: rate-limited, or the sender failed authentication. */
  AutomationSuppressed: 'AutomationSuppressed',
  /** A worker job that can never succeed (invalid, too large), sent to the DLQ at once. */
  JobsRejected: 'JobsRejected',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export type MetricUnit = 'Count' | 'Seconds';

export interface MetricEvent {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  readonly value: number;
  /** Always includes Channel and Provider where known; `Reason` for rejections. */
  readonly dimensions: Readonly<Record<string, string>>;
}

export const count = (name: MetricName, dimensions: Record<string, string>, value = 1): MetricEvent => ({
  name,
  unit: 'Count',
  value,
  dimensions,
});

export const seconds = (name: MetricName, dimensions: Record<string, string>, value: number): MetricEvent => ({
  name,
  unit: 'Seconds',
  value,
  dimensions,
});
