/**
 * Operator experience: every context key is validated at synth (naming the key), alarms notify SNS
 * when asked to, and the stack outputs what a first deploy needs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/spec.ts';
import { PASS_THROUGH_CONTEXT } from '../../lib/context.ts';
import { CONTEXT, resolveStackName } from '../../lib/settings.ts';
import { SupportStack, type SupportStackProps } from '../../lib/stack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/** A stack built from the given context (and props), with cdk-nag and without bundling the functions. */
function synthWith(context: Record<string, unknown>, props: SupportStackProps = {}): { stack: SupportStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new SupportStack(app, 'Operator', { env: { account: ACCOUNT, region: REGION }, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resources = (t: Template, type: string) => t.findResources(type) as Resources;
const logicalId = (stack: SupportStack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId((c.node.defaultChild ?? c) as never);
const functionEnv = (stack: SupportStack, t: Template) => resources(t, 'AWS::Lambda::Function')[logicalId(stack, stack.functions.webhook)]!.Properties['Environment']['Variables'];
const webhookPaths = [...new Set(ROUTES.filter((r) => r.path.startsWith('/webhooks/')).map((r) => r.path))];
const outputIdOf = (path: string) => {
  // the API channel: WebhookUrlApi; a sub-route: /webhooks/twilio/voice/status → WebhookUrlTwilioVoiceStatus
  const p = path.replace('/webhooks/', '').replace('/{source}', '').split('/').map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('');
  return `WebhookUrl${p}`;
};

describe('every context key is validated at synth, naming the key', () => {
  const long = 'x'.repeat(1001);
  it.each([
    ['publicBaseUrl', 'notaurl'],
    ['publicBaseUrl', 'http://support.example.com'],
    ['publicBaseUrl', 'https://user:pw@support.example.com'],
    ['publicBaseUrl', 'https://support.example.com/?a=1'],
    ['publicBaseUrl', 'https://support.example.com/#x'],
    ['publicBaseUrl', 42],
    ['metricsNamespace', 'AWS/Lambda'],
    ['metricsNamespace', 'Support Desk'],
    ['metricsNamespace', 'x'.repeat(256)],
    ['metricsNamespace', ':SupportDesk'],
    ['snsTopicArns', 'notanarn'],
    ['snsTopicArns', `arn:aws:sns:${REGION}:${ACCOUNT}:ok,arn:aws:sqs:${REGION}:${ACCOUNT}:queue`],
    ['snsTopicArns', `arn:aws:sns:${REGION}:123:short-account`],
    ['emailFromAddress', 'support-at-example.com'],
    ['alarmEmail', 'ops'],
    ['alarmEmail', 'ops@example.com,oncall'],
    ['alarmTopicArn', `arn:aws:sqs:${REGION}:${ACCOUNT}:queue`],
    ['alarmTopicArn', `arn:aws:sns:${REGION}:${ACCOUNT}:a,arn:aws:sns:${REGION}:${ACCOUNT}:b`],
    ['alarmTopicArn', `arn:aws:sns:us-east-1:${ACCOUNT}:other-region`],
    ['slaFirstResponseSeconds', 'notjson'],
    ['slaFirstResponseSeconds', { email: -5 }],
    ['autoAckEnabled', 'maybe'],
    ['autoAckText', long],
    ['businessCalendars', { ops: { timeZone: 'Mars/Base', week: { mon: [['09:00', '17:00']] } } }],
    ['slaPolicies', JSON.stringify([{ name: 'x', calendar: 'nope', targets: { firstReply: 60 } }])],
    ['sesIdentities', '*.example.com'],
    ['sesIdentityArns', 'example.com'],
    ['webhookThrottleRate', '0'],
    ['webhookThrottleBurst', 'lots'],
    ['apiThrottleRate', '-1'],
    ['apiThrottleBurst', 1.5],
    ['webhookReservedConcurrency', '0'],
    ['apiReservedConcurrency', 'x'],
    ['workerReservedConcurrency', '2.5'],
  ])('a bad %s (%j) fails synth naming the key', (key, value) => {
    expect(() => synthWith({ [key]: value })).toThrow(new RegExp(`[Cc]ontext "${key}"`));
  });

  it.each(['1stack', 'support_webhooks', 'has space', 'x'.repeat(129), 7])('a bad stackName (%j) fails naming the key', (value) => {
    expect(() => resolveStackName(new App({ context: { stackName: value } }).node)).toThrow('Context "stackName"');
  });

  it('stackName defaults to SupportWebhooks and accepts a CloudFormation name', () => {
    expect(resolveStackName(new App().node)).toBe('SupportWebhooks');
    expect(resolveStackName(new App({ context: { stackName: 'Support-Prod2' } }).node)).toBe('Support-Prod2');
  });

  it('the tests above cover every context key the app reads', () => {
    const covered = new Set([
      ...Object.values(CONTEXT),
      ...Object.values(PASS_THROUGH_CONTEXT),
    ]);
    const tested = new Set([
      'stackName', 'publicBaseUrl', 'metricsNamespace', 'snsTopicArns', 'emailFromAddress', 'alarmEmail', 'alarmTopicArn',
      'slaFirstResponseSeconds', 'autoAckEnabled', 'autoAckText', 'businessCalendars', 'slaPolicies', 'sesIdentities', 'sesIdentityArns',
      'webhookThrottleRate', 'webhookThrottleBurst', 'apiThrottleRate', 'apiThrottleBurst',
      'webhookReservedConcurrency', 'apiReservedConcurrency', 'workerReservedConcurrency',
    ]);
    expect([...covered].filter((k) => !tested.has(k))).toEqual([]);
  });

  it('bin/app.ts itself refuses -c publicBaseUrl=notaurl before building anything', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      const r = spawnSync(process.execPath, ['bin/app.ts'], {
        cwd: ROOT,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ publicBaseUrl: 'notaurl' }) },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('Context "publicBaseUrl" must be an https URL');
      expect(r.stderr).not.toContain('Bundling');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('good values reach the functions: the base URL without its trailing slash, the namespace, topics, pass-through settings (cdk.json booleans and objects too)', () => {
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:ses-inbound`;
    const { stack, template } = synthWith({
      publicBaseUrl: 'https://support.example.com/',
      metricsNamespace: 'Support/Desk-1',
      snsTopicArns: ` ${topic} `,
      emailFromAddress: 'help@example.com',
      autoAckEnabled: false,
      slaFirstResponseSeconds: { email: 28800, sms: 1800 },
    });
    expect(functionEnv(stack, template)).toMatchObject({
      PUBLIC_BASE_URL: 'https://support.example.com',
      METRICS_NAMESPACE: 'Support/Desk-1',
      SNS_TOPIC_ARNS: topic,
      EMAIL_FROM_ADDRESS: 'help@example.com',
      AUTO_ACK_ENABLED: 'false',
      SLA_FIRST_RESPONSE_SECONDS: '{"email":28800,"sms":1800}',
    });
  });

  it('stack props are checked like context', () => {
    expect(() => synthWith({}, { publicBaseUrl: 'ftp://x.example.com' })).toThrow('Context "publicBaseUrl"');
    expect(() => synthWith({}, { environment: { EMAIL_FROM_ADDRESS: 'nope' } })).toThrow('EMAIL_FROM_ADDRESS');
    // Props win over context.
    const { stack, template } = synthWith({ metricsNamespace: 'FromContext' }, { metricsNamespace: 'FromProps' });
    expect(functionEnv(stack, template)['METRICS_NAMESPACE']).toBe('FromProps');
  });
});

describe('alarm notifications', () => {
  const alarms = (t: Template) => Object.values(resources(t, 'AWS::CloudWatch::Alarm'));

  it('without alarmEmail or alarmTopicArn: no topic, alarms without actions', () => {
    const { template } = synthWith({});
    expect(Object.keys(resources(template, 'AWS::SNS::Topic'))).toEqual([]);
    for (const a of alarms(template)) {
      expect(a.Properties['AlarmActions']).toBeUndefined();
      expect(a.Properties['OKActions']).toBeUndefined();
    }
    expect(Object.keys(template.toJSON()['Outputs'])).not.toContain('AlarmTopicArn');
  });

  it('alarmEmail wires every alarm (ALARM and OK) to one topic and subscribes each address', () => {
    const { stack, template } = synthWith({ alarmEmail: 'ops@example.com, oncall@example.org' });
    const topics = Object.keys(resources(template, 'AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    const ref = { Ref: topics[0] };
    const all = alarms(template);
    expect(all).toHaveLength(stack.observability.alarms.length);
    expect(all.length).toBeGreaterThanOrEqual(2 + 3); // both DLQs and the three functions, at least
    for (const a of all) {
      expect(a.Properties['AlarmActions']).toEqual([ref]);
      expect(a.Properties['OKActions']).toEqual([ref]);
    }
    const subs = Object.values(resources(template, 'AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subs.map((s) => s['Endpoint']).sort()).toEqual(['oncall@example.org', 'ops@example.com']);
    for (const s of subs) expect(s).toMatchObject({ Protocol: 'email', TopicArn: ref });
    expect(template.toJSON()['Outputs']['AlarmTopicArn']['Value']).toEqual(ref);
  });

  it('the alarm topic is encrypted with a rotating key CloudWatch may use, TLS only, and only this account’s alarms may publish', () => {
    const { template } = synthWith({ alarmEmail: 'ops@example.com' });
    const [keyId, key] = Object.entries(resources(template, 'AWS::KMS::Key'))[0]!;
    expect(key.Properties['EnableKeyRotation']).toBe(true);
    expect(JSON.stringify(key.Properties['KeyPolicy'])).toContain('cloudwatch.amazonaws.com');
    const topic = Object.values(resources(template, 'AWS::SNS::Topic'))[0]!;
    expect(topic.Properties['KmsMasterKeyId']).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const statements = Object.values(resources(template, 'AWS::SNS::TopicPolicy'))[0]!.Properties['PolicyDocument']['Statement'];
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: {
            ArnLike: { 'aws:SourceArn': expect.anything() },
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
          },
        }),
      ]),
    );
    const sourceArn = JSON.stringify(statements.find((x: { Effect: string }) => x.Effect === 'Allow').Condition.ArnLike['aws:SourceArn']);
    expect(sourceArn).toContain(`:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`);
  });

  it('alarmTopicArn: every alarm notifies that topic; with alarmEmail too, both', () => {
    const existing = `arn:aws:sns:${REGION}:${ACCOUNT}:pager`;
    const only = synthWith({ alarmTopicArn: existing }).template;
    expect(Object.keys(resources(only, 'AWS::SNS::Topic'))).toEqual([]);
    for (const a of alarms(only)) {
      expect(a.Properties['AlarmActions']).toEqual([existing]);
      expect(a.Properties['OKActions']).toEqual([existing]);
    }
    const both = synthWith({ alarmTopicArn: existing, alarmEmail: 'ops@example.com' }).template;
    const created = { Ref: Object.keys(resources(both, 'AWS::SNS::Topic'))[0] };
    for (const a of alarms(both)) expect(a.Properties['AlarmActions']).toEqual([created, existing]);
  });

  it('cdk-nag stays clean with the alarm topic', () => {
    const { stack } = synthWith({ alarmEmail: 'ops@example.com', alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:pager` });
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });
});

describe('stack outputs', () => {
  const outputs = (t: Template) => t.toJSON()['Outputs'] as Record<string, { Value: unknown; Description?: string }>;

  it('has the API URL, a webhook URL per provider route, both queues and their DLQs, the bucket, the secret and the table', () => {
    const { stack, template } = synthWith({});
    const out = outputs(template);
    const api = logicalId(stack, stack.httpApi.api);
    expect(Object.keys(out).sort()).toEqual(
      [
        'ApiUrl',
        ...webhookPaths.map(outputIdOf),
        'FollowUpQueueUrl',
        'FollowUpDlqUrl',
        'IngestQueueUrl',
        'IngestDlqUrl',
        'AttachmentsBucket',
        'ProviderSecretArn',
        'TableName',
      ].sort(),
    );
    expect(out['ApiUrl']!.Value).toEqual({ 'Fn::GetAtt': [api, 'ApiEndpoint'] });
    expect(webhookPaths.length).toBeGreaterThanOrEqual(10);
    for (const path of webhookPaths) {
      expect(out[outputIdOf(path)]!.Value).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [api, 'ApiEndpoint'] }, path]] });
    }
    expect(out['WebhookUrlTwilio']).toBeDefined();
    expect(out['WebhookUrlSes']).toBeDefined();
    expect(out['FollowUpQueueUrl']!.Value).toEqual({ Ref: logicalId(stack, stack.queues.followUp.queue) });
    expect(out['FollowUpDlqUrl']!.Value).toEqual({ Ref: logicalId(stack, stack.queues.followUp.dlq) });
    expect(out['IngestQueueUrl']!.Value).toEqual({ Ref: logicalId(stack, stack.queues.ingest.queue) });
    expect(out['IngestDlqUrl']!.Value).toEqual({ Ref: logicalId(stack, stack.queues.ingest.dlq) });
    expect(out['AttachmentsBucket']!.Value).toEqual({ Ref: logicalId(stack, stack.storage.bucket) });
    expect(out['ProviderSecretArn']!.Value).toEqual({ Ref: logicalId(stack, stack.functions.secret) });
  });

  it('with publicBaseUrl the webhook URLs are on that domain (the API URL stays the API’s)', () => {
    const { stack, template } = synthWith({ publicBaseUrl: 'https://support.example.com/' });
    const out = outputs(template);
    for (const path of webhookPaths) expect(out[outputIdOf(path)]!.Value).toBe(`https://support.example.com${path}`);
    expect(out['ApiUrl']!.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.httpApi.api), 'ApiEndpoint'] });
  });
});

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const deploy = readme.slice(readme.indexOf('\n## Deploy'), readme.indexOf('\n## ', readme.indexOf('\n## Deploy') + 1));

  it('the Deploy section names every context key and every output', () => {
    const { template } = synthWith({ alarmEmail: 'ops@example.com' });
    for (const key of [...Object.values(CONTEXT), ...Object.values(PASS_THROUGH_CONTEXT)]) expect(deploy).toContain(`\`${key}\``);
    for (const id of Object.keys(template.toJSON()['Outputs'])) {
      expect(deploy).toContain(id.startsWith('WebhookUrl') ? `WebhookUrl<Provider>` : `\`${id}\``);
    }
    for (const word of ['AWS_PROFILE', 'AWS_REGION', 'CDK_DEFAULT_ACCOUNT', 'cdk bootstrap', 'put-secret-value']) expect(deploy).toContain(word);
  });
});
