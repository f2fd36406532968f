/**
 * The CDK app: `npx cdk deploy`. Every context key (-c key=value or cdk.json) is read and validated
 * at synth in one place, lib/settings.ts, so a bad value stops `cdk synth` naming its key instead of
 * failing at cold start: stackName here; publicBaseUrl, metricsNamespace, snsTopicArns, alarmEmail,
 * alarmTopicArn, sesIdentities, sesIdentityArns, the throttle and reserved-concurrency numbers, and
 * the settings passed through to the functions (emailFromAddress, slaFirstResponseSeconds,
 * autoAckEnabled, autoAckText, businessCalendars, slaPolicies — lib/context.ts checks those with the
 * functions' own config parser) in the stack. Unknown keys (CDK's own flags) are ignored.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SupportStack } from '../lib/stack.ts';
import { resolveStackName } from '../lib/settings.ts';

const app = new App();
new SupportStack(app, resolveStackName(app.node), {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
