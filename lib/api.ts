import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ROUTES, type FunctionName } from '../functions/spec.ts';

export interface HttpApiProps {
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  readonly logRetention?: logs.RetentionDays;
}

/** The HTTP API: every route in functions/spec.ts (the local gateway serves the same list). */
export class SupportHttpApi extends Construct {
  readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Support channel webhooks and the ticket REST API',
      createDefaultStage: true,
    });
    const integrations = {
      webhook: new HttpLambdaIntegration('WebhookIntegration', props.functions.webhook),
      api: new HttpLambdaIntegration('ApiIntegration', props.functions.api),
    } satisfies Record<FunctionName, HttpLambdaIntegration>;
    for (const r of ROUTES) {
      this.api.addRoutes({ path: r.path, methods: [apigw.HttpMethod[r.method]], integration: integrations[r.fn] });
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    const stage = this.api.defaultStage!.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 2000, throttlingRateLimit: 1000 };

    NagSuppressions.addResourceSuppressions(
      this.api,
      [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Webhook routes authenticate each request by the provider’s signature on the raw body; the /v1 routes check API keys with scopes in the function (a 401/403 JSON error); /health is public by design.',
        },
      ],
      true,
    );
  }

  get url(): string {
    return this.api.apiEndpoint;
  }
}
