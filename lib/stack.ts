import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SupportHttpApi } from './api.ts';
import { DataStore } from './data.ts';
import { Functions } from './functions.ts';
import { Observability } from './observability.ts';
import { Queues } from './queues.ts';
import { resolveSettings, type SettingsInput } from './settings.ts';
import { AttachmentStorage } from './storage.ts';

export interface SupportStackProps extends StackProps {
  /** The public URL providers call (custom domain); defaults to the HTTP API's URL. */
  readonly publicBaseUrl?: string;
  readonly metricsNamespace?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** SNS topics (SES receipt notifications) the /webhooks/ses route accepts. */
  readonly snsTopicArns?: readonly string[];
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

  constructor(scope: Construct, id: string, props: SupportStackProps = {}) {
    super(scope, id, props);
    // Validated before anything is built: a bad context value fails synth naming its key.
    const settings = resolveSettings(this.node, props);
    const sesIdentityArns = [
      ...settings.sesIdentityArns,
      ...settings.sesIdentities.map((identity) => this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
    ];
    const namespace = props.metricsNamespace ?? 'SupportDesk';
    this.data = new DataStore(this, 'Data');
    this.queues = new Queues(this, 'Queues');
    this.storage = new AttachmentStorage(this, 'Storage');
    this.functions = new Functions(this, 'Functions', {
      data: this.data,
      queues: this.queues,
      storage: this.storage,
      ...(props.snsTopicArns ? { snsTopicArns: props.snsTopicArns } : {}),
      sesIdentityArns,
      reservedConcurrency: settings.reservedConcurrency,
      metricsNamespace: namespace,
      ...(props.publicBaseUrl ? { publicBaseUrl: props.publicBaseUrl } : {}),
      ...(props.environment ? { environment: props.environment } : {}),
    });
    this.httpApi = new SupportHttpApi(this, 'Api', {
      functions: { webhook: this.functions.webhook, api: this.functions.api },
      throttle: settings.throttle,
    });
    if (!props.publicBaseUrl) {
      // Without a custom domain, providers call the API's own URL: that is what Twilio signs.
      for (const fn of [this.functions.webhook, this.functions.api]) fn.addEnvironment('PUBLIC_BASE_URL', this.httpApi.url);
    }
    new Observability(this, 'Observability', {
      namespace,
      functions: [this.functions.webhook, this.functions.api, this.functions.worker],
      dlqs: [this.queues.followUp.dlq, this.queues.ingest.dlq],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL: webhooks at /webhooks/<provider>, REST API at /v1' });
    new CfnOutput(this, 'TwilioWebhookUrl', { value: `${props.publicBaseUrl ?? this.httpApi.url}/webhooks/twilio` });
    new CfnOutput(this, 'ProviderSecretArn', { value: this.functions.secret.secretArn, description: 'Put provider secrets and API keys here' });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AttachmentsBucket', {
      value: this.storage.bucket.bucketName,
      description: 'Email attachments; point an SES receipt rule S3 action at prefix inbound/ for large mail',
    });
  }
}
