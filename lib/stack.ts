import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ROUTES } from '../functions/spec.ts';
import { SupportHttpApi } from './api.ts';
import { DataStore } from './data.ts';
import { Functions } from './functions.ts';
import { Observability } from './observability.ts';
import { Queues } from './queues.ts';
import { resolveSettings, type SettingsInput } from './settings.ts';
import { AttachmentStorage } from './storage.ts';
import { WebhooksOut } from './webhooks-out.ts';

/**
 * Every prop below defaults to its context key (lib/settings.ts validates both at synth): the app
 * (bin/app.ts) passes none, so `-c key=value` and cdk.json configure the stack.
 */
export interface SupportStackProps extends StackProps {
  /** The https URL providers call (custom domain); default: the `publicBaseUrl` context, then the HTTP API's URL. */
  readonly publicBaseUrl?: string;
  /** CloudWatch namespace of the EMF metrics (default: the `metricsNamespace` context, then SupportDesk). */
  readonly metricsNamespace?: string;
  /** Extra function environment, over the pass-through context (lib/context.ts); checked with the functions' parser. */
  readonly environment?: Readonly<Record<string, string>>;
  /** SNS topics (SES receipt notifications) the /webhooks/ses route accepts (default: the `snsTopicArns` context). */
  readonly snsTopicArns?: readonly string[];
  /** Email addresses notified of every alarm through a topic the stack creates (default: the `alarmEmail` context). */
  readonly alarmEmails?: readonly string[];
  /** An existing SNS topic in the stack's region every alarm notifies (default: the `alarmTopicArn` context). */
  readonly alarmTopicArn?: string;
  /**
   * SES identity ARNs the worker may send email from (default: the `sesIdentityArns` context).
   * With neither these nor `sesIdentities`, outbound email is off (EMAIL_SENDER=none, no SES grant).
   */
  readonly sesIdentityArns?: readonly string[];
  /** SES domains or addresses of this stack's account and region (default: the `sesIdentities` context). */
  readonly sesIdentities?: readonly string[];
  /** Per-route throttling (default: the `*Throttle*` context, then lib/settings.ts). */
  readonly throttle?: SettingsInput['throttle'];
  /** Reserved concurrency per function (default: the `*ReservedConcurrency` context; unset). */
  readonly reservedConcurrency?: SettingsInput['reservedConcurrency'];
}

export class SupportStack extends Stack {
  readonly data: DataStore;
  readonly queues: Queues;
  readonly storage: AttachmentStorage;
  readonly functions: Functions;
  readonly httpApi: SupportHttpApi;
  readonly observability: Observability;
  readonly webhooksOut: WebhooksOut;

  constructor(scope: Construct, id: string, props: SupportStackProps = {}) {
    super(scope, id, props);
    // Validated before anything is built: a bad context value fails synth naming its key.
    const settings = resolveSettings(this.node, props, this.region);
    const sesIdentityArns = [
      ...settings.sesIdentityArns,
      ...settings.sesIdentities.map((identity) => this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
    ];
    const namespace = settings.metricsNamespace;
    const publicBaseUrl = settings.publicBaseUrl;
    this.data = new DataStore(this, 'Data');
    this.queues = new Queues(this, 'Queues');
    this.storage = new AttachmentStorage(this, 'Storage');
    this.functions = new Functions(this, 'Functions', {
      data: this.data,
      queues: this.queues,
      storage: this.storage,
      snsTopicArns: settings.snsTopicArns,
      sesIdentityArns,
      reservedConcurrency: settings.reservedConcurrency,
      metricsNamespace: namespace,
      ...(publicBaseUrl ? { publicBaseUrl } : {}),
      environment: settings.environment,
    });
    this.httpApi = new SupportHttpApi(this, 'Api', {
      functions: { webhook: this.functions.webhook, api: this.functions.api },
      throttle: settings.throttle,
    });
    if (!publicBaseUrl) {
      // Without a custom domain, providers call the API's own URL: that is what Twilio signs, and
      // where the worker's survey and unsubscribe links in emails point.
      for (const fn of [this.functions.webhook, this.functions.api, this.functions.worker]) fn.addEnvironment('PUBLIC_BASE_URL', this.httpApi.url);
    }
    this.observability = new Observability(this, 'Observability', {
      namespace,
      functions: [this.functions.webhook, this.functions.api, this.functions.worker],
      dlqs: [this.queues.followUp.dlq, this.queues.ingest.dlq],
      alarmEmails: settings.alarmEmails,
      ...(settings.alarmTopicArn ? { alarmTopicArn: settings.alarmTopicArn } : {}),
    });

    this.webhooksOut = new WebhooksOut(this, 'WebhooksOut', {
      table: this.data.table,
      queues: this.queues,
      api: this.functions.api,
      metricsNamespace: namespace,
      environment: settings.environment,
      dashboard: this.observability.dashboard,
      alarmTopics: this.observability.alarmTopics,
    });
    this.observability.alarms.push(...this.webhooksOut.alarms); // one list of every alarm, like the rest

    // What an operator needs after a deploy (README → Deploy lists them).
    const base = publicBaseUrl ?? this.httpApi.url;
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL: webhooks at /webhooks/<provider>, REST API at /v1' });
    for (const [provider, { path, methods }] of webhookRoutes()) {
      new CfnOutput(this, `WebhookUrl${provider.charAt(0).toUpperCase()}${provider.slice(1)}`, {
        value: `${base}${path}`,
        description: `Configure at ${provider} (${methods.join(', ')}); see README → Deploy → Provider set-up`,
      });
    }
    for (const [name, pair] of [['FollowUp', this.queues.followUp], ['Ingest', this.queues.ingest]] as const) {
      new CfnOutput(this, `${name}QueueUrl`, { value: pair.queue.queueUrl });
      new CfnOutput(this, `${name}DlqUrl`, { value: pair.dlq.queueUrl, description: 'Work that can never succeed (message attributes reason, error); any message here raises an alarm' });
    }
    new CfnOutput(this, 'ProviderSecretArn', { value: this.functions.secret.secretArn, description: 'Put provider secrets and API keys here' });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AttachmentsBucket', {
      value: this.storage.bucket.bucketName,
      description: 'Email attachments; point an SES receipt rule S3 action at prefix inbound/ for large mail',
    });
    if (this.observability.alarmTopic) {
      new CfnOutput(this, 'AlarmTopicArn', {
        value: this.observability.alarmTopic.topicArn,
        description: 'Every alarm notifies this topic; each alarmEmail address must confirm its subscription',
      });
    }
  }
}

/** Each provider webhook path in functions/spec.ts (`/webhooks/<provider>`, the API channel's `/webhooks/api/{source}`) with its methods. */
export function webhookRoutes(): Map<string, { path: string; methods: string[] }> {
  const out = new Map<string, { path: string; methods: string[] }>();
  for (const r of ROUTES) {
    // `/webhooks/twilio` → twilio, `/webhooks/twilio/voice/status` → twilioVoiceStatus (an output id is alphanumeric).
    const m = /^\/webhooks\/([a-z0-9]+(?:\/[a-z0-9]+)*)(?:\/\{source\})?$/.exec(r.path)?.[1];
    const provider = m?.split('/').map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');
    if (provider) out.set(provider, { path: r.path, methods: [...(out.get(provider)?.methods ?? []), r.method] });
  }
  return out;
}
