/** The CDK app: `npx cdk deploy`. Context: publicBaseUrl, metricsNamespace, stackName, snsTopicArns, sesIdentityArns (comma-separated). */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SupportStack } from '../lib/stack.ts';

const app = new App();
const ctx = (k: string): string | undefined => {
  const v = app.node.tryGetContext(k) as unknown;
  return typeof v === 'string' && v.length ? v : undefined;
};
const list = (k: string): string[] | undefined => ctx(k)?.split(',').map((s) => s.trim()).filter(Boolean);
const publicBaseUrl = ctx('publicBaseUrl');
const metricsNamespace = ctx('metricsNamespace');
const snsTopicArns = list('snsTopicArns');
const sesIdentityArns = list('sesIdentityArns');
new SupportStack(app, ctx('stackName') ?? 'SupportWebhooks', {
  ...(publicBaseUrl ? { publicBaseUrl } : {}),
  ...(metricsNamespace ? { metricsNamespace } : {}),
  ...(snsTopicArns ? { snsTopicArns } : {}),
  ...(sesIdentityArns ? { sesIdentityArns } : {}),
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
