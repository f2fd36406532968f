import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ROUTES, type FunctionName } from '../functions/spec.ts';
import { DEFAULT_THROTTLE, type ThrottleSettings } from './throttle.ts';

export interface HttpApiProps {
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  /** Per-route throttling for the webhook routes and for the API routes (defaults in lib/settings.ts). */
  readonly throttle?: Readonly<Record<FunctionName, ThrottleSettings>>;
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
    const routes: apigw.HttpRoute[] = [];
    for (const r of ROUTES) {
      routes.push(...this.api.addRoutes({ path: r.path, methods: [apigw.HttpMethod[r.method]], integration: integrations[r.fn] }));
    }
    // Everything else (an unknown path, a known path with another method) reaches the api function,
    // which answers a JSON 404, or a 405 with Allow — never API Gateway's {"message":"Not Found"}.
    routes.push(new apigw.HttpRoute(this.api, 'DefaultRoute', { httpApi: this.api, routeKey: apigw.HttpRouteKey.DEFAULT, integration: integrations.api }));

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
    // Throttling per route key: webhook routes (unauthenticated at the gateway) and API routes each
    // get their own limits, so neither can use up the other's. The stage default (the lower of the
    // two) only applies to a route without its own settings. A throttled request never reaches a
    // function: API Gateway answers 429 itself, body {"message":"Too Many Requests"}, without
    // Retry-After (an HTTP API cannot customise gateway responses). The local gateway
    // (bin/local-throttle.ts) enforces the same limits.
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    stage.defaultRouteSettings = {
      throttlingRateLimit: Math.min(throttle.webhook.rateLimit, throttle.api.rateLimit),
      throttlingBurstLimit: Math.min(throttle.webhook.burstLimit, throttle.api.burstLimit),
    };
    // routeSettings is raw JSON in CloudFormation (keyed by route key): CDK does not rename its fields.
    stage.routeSettings = Object.fromEntries([
      ...ROUTES.map((r) => [`${r.method} ${r.path}`, { ThrottlingRateLimit: throttle[r.fn].rateLimit, ThrottlingBurstLimit: throttle[r.fn].burstLimit }]),
      ['$default', { ThrottlingRateLimit: throttle.api.rateLimit, ThrottlingBurstLimit: throttle.api.burstLimit }],
    ]);
    // API Gateway rejects route settings for a route key that does not exist yet.
    stage.node.addDependency(...routes);

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
