/**
 * The CDK app: `npx cdk deploy`. Context (-c key=value): publicBaseUrl, metricsNamespace, stackName,
 * snsTopicArns (comma-separated), emailFromAddress, slaFirstResponseSeconds (JSON), autoAckEnabled,
 * autoAckText, businessCalendars (JSON), slaPolicies (JSON) — checked at synth like the functions
 * check them at start-up. The stack itself reads and validates (lib/settings.ts): sesIdentityArns and
 * sesIdentities (comma-separated), webhookThrottleRate, webhookThrottleBurst, apiThrottleRate,
 * apiThrottleBurst, webhookReservedConcurrency, apiReservedConcurrency, workerReservedConcurrency.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SupportStack } from '../lib/stack.ts';
import { checkPassThroughContext } from '../lib/context.ts';

const app = new App();
const ctx = (k: string): string | undefined => {
  const v = app.node.tryGetContext(k) as unknown;
  if (v !== null && typeof v === 'object') return JSON.stringify(v); // JSON settings written as objects in cdk.json
  return typeof v === 'string' && v.length ? v : undefined;
};
const list = (k: string): string[] | undefined => ctx(k)?.split(',').map((s) => s.trim()).filter(Boolean);
const publicBaseUrl = ctx('publicBaseUrl');
const metricsNamespace = ctx('metricsNamespace');
const snsTopicArns = list('snsTopicArns');
// Plain settings passed through to the functions' environment (validated there at cold start).
const environment = Object.fromEntries(
  (
    [
      ['emailFromAddress', 'EMAIL_FROM_ADDRESS'],
      ['slaFirstResponseSeconds', 'SLA_FIRST_RESPONSE_SECONDS'],
      ['autoAckEnabled', 'AUTO_ACK_ENABLED'],
      ['autoAckText', 'AUTO_ACK_TEXT'],
      ['businessCalendars', 'BUSINESS_CALENDARS'],
      ['slaPolicies', 'SLA_POLICIES'],
    ] as const
  ).flatMap(([c, env]) => (ctx(c) ? [[env, ctx(c)!]] : [])),
);
// Fail at synth, not at cold start: the functions' own config check, with context keys named.
const contextProblems = checkPassThroughContext(environment);
if (contextProblems) throw new Error(contextProblems);
new SupportStack(app, ctx('stackName') ?? 'SupportWebhooks', {
  ...(publicBaseUrl ? { publicBaseUrl } : {}),
  ...(metricsNamespace ? { metricsNamespace } : {}),
  ...(snsTopicArns ? { snsTopicArns } : {}),
  ...(Object.keys(environment).length ? { environment } : {}),
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
