import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SupportHttpApi } from './api.ts';
import { DataStore } from './data.ts';
import { Functions } from './functions.ts';
import { Observability } from './observability.ts';
import { Queues } from './queues.ts';

export interface SupportStackProps extends StackProps {
  /** The public URL providers call (custom domain); defaults to the HTTP API's URL. */
  readonly publicBaseUrl?: string;
  readonly metricsNamespace?: string;
  readonly environment?: Readonly<Record<string, string>>;
}

export class SupportStack extends Stack {
  readonly data: DataStore;
  readonly queues: Queues;
  readonly functions: Functions;
  readonly httpApi: SupportHttpApi;

  constructor(scope: Construct, id: string, props: SupportStackProps = {}) {
    super(scope, id, props);
    const namespace = props.metricsNamespace ?? 'SupportDesk';
    this.data = new DataStore(this, 'Data');
    this.queues = new Queues(this, 'Queues');
    this.functions = new Functions(this, 'Functions', {
      data: this.data,
      queues: this.queues,
      metricsNamespace: namespace,
      ...(props.publicBaseUrl ? { publicBaseUrl: props.publicBaseUrl } : {}),
      ...(props.environment ? { environment: props.environment } : {}),
    });
    this.httpApi = new SupportHttpApi(this, 'Api', {
      functions: { webhook: this.functions.webhook, api: this.functions.api },
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
  }
}
