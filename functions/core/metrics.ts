/** Metric names and the shape the core hands to the metrics port. */
export const METRIC = {
  MessagesReceived: 'MessagesReceived',
  TicketsCreated: 'TicketsCreated',
  TicketsReopened: 'TicketsReopened',
  DuplicateDeliveries: 'DuplicateDeliveries',
  WebhookRejected: 'WebhookRejected',
  IngestParked: 'IngestParked',
  SlaBreached: 'SlaBreached',
  SlaWarning: 'SlaWarning',
  /** 1 when a target was met, 0 when breached: its average is the attainment rate. */
  SlaAttained: 'SlaAttained',
  FirstResponseTime: 'FirstResponseTime',
  FirstResponseTimeBusiness: 'FirstResponseTimeBusiness',
  NextResponseTime: 'NextResponseTime',
  NextResponseTimeBusiness: 'NextResponseTimeBusiness',
  FirstResolutionTime: 'FirstResolutionTime',
  FirstResolutionTimeBusiness: 'FirstResolutionTimeBusiness',
  FullResolutionTime: 'FullResolutionTime',
  FullResolutionTimeBusiness: 'FullResolutionTimeBusiness',
  RequesterWaitTime: 'RequesterWaitTime',
  RequesterWaitTimeBusiness: 'RequesterWaitTimeBusiness',
  AgentWaitTime: 'AgentWaitTime',
  AgentWaitTimeBusiness: 'AgentWaitTimeBusiness',
  AutoAcksSent: 'AutoAcksSent',
  OutboundFailed: 'OutboundFailed',
  ItemsSkipped: 'ItemsSkipped',
  StatusUpdates: 'StatusUpdates',
  MessagesEdited: 'MessagesEdited',
  /** An automated message not sent: rate-limited, or the sender failed authentication. */
  AutomationSuppressed: 'AutomationSuppressed',
  /** A worker job that can never succeed (invalid, too large), sent to the DLQ at once. */
  JobsRejected: 'JobsRejected',
  /** A customer's first rating on a ticket (value = the score), [Channel, Kind]. */
  SurveyScore: 'SurveyScore',
  SurveyResponses: 'SurveyResponses',
  /** An automated survey or reminder was sent (a provider accepted it), [Channel, Purpose]. */
  FollowUpsSent: 'FollowUpsSent',
  /** A ticket resolved or closed by automation (pending too long, resolved long enough), [Channel, Action]. */
  TicketsAutoResolved: 'TicketsAutoResolved',
  TicketsAutoClosed: 'TicketsAutoClosed',
  /** A triage rule fired on a message, [Rule] (the rule's id: ASCII and stable; the name is in the rule.applied event). */
  RulesFired: 'RulesFired',
  /** STOP / START from a customer, [Channel]. */
  OptOuts: 'OptOuts',
  OptIns: 'OptIns',
  /** One outbound webhook attempt, [Outcome]: delivered, failed (will retry), gone (410), exhausted, refused (SSRF). */
  WebhookDeliveries: 'WebhookDeliveries',
  /** Seconds one outbound webhook attempt took (request to response), [Outcome]. */
  WebhookDeliveryLatency: 'WebhookDeliveryLatency',
  /** Voice (issue 16), [Channel, Provider]: calls (once per call), missed calls, voicemails and their seconds. */
  CallsReceived: 'CallsReceived',
  MissedCalls: 'MissedCalls',
  VoicemailsReceived: 'VoicemailsReceived',
  VoicemailSeconds: 'VoicemailSeconds',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export type MetricUnit = 'Count' | 'Seconds' | 'None';

export interface MetricEvent {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  readonly value: number;
  /** Always includes Channel and Provider where known; `Reason` for rejections. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Further dimension sets the same value is published under (e.g. [Channel, Priority]). */
  readonly moreDimensionSets?: ReadonlyArray<Readonly<Record<string, string>>>;
}

export const count = (name: MetricName, dimensions: Record<string, string>, value = 1, more?: ReadonlyArray<Record<string, string>>): MetricEvent => ({
  name,
  unit: 'Count',
  value,
  dimensions,
  ...(more?.length ? { moreDimensionSets: more } : {}),
});

export const seconds = (name: MetricName, dimensions: Record<string, string>, value: number, more?: ReadonlyArray<Record<string, string>>): MetricEvent => ({
  name,
  unit: 'Seconds',
  value,
  dimensions,
  ...(more?.length ? { moreDimensionSets: more } : {}),
});

/** A plain value (a survey score). */
export const value = (name: MetricName, dimensions: Record<string, string>, v: number): MetricEvent => ({ name, unit: 'None', value: v, dimensions });
