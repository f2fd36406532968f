/** The CDK stack's behaviour: routes, grants, redrive, recovery, batch failure reporting, cdk-nag. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, ROUTES, TABLE } from '../../functions/spec.ts';
import { SupportStack } from '../../lib/stack.ts';

let stack: SupportStack;
let template: Template;
let outdir: string;

beforeAll(() => {
  const app = new App();
  stack = new SupportStack(app, 'TestSupport', { env: { account: '123456789012', region: 'eu-west-1' } });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  template = Template.fromStack(stack);
  outdir = app.synth().directory;
});

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;
const logicalIdOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId((c.node.defaultChild ?? c) as never);

/** Every IAM statement attached to a function's role. */
function statementsOf(fnLogicalId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  const fn = resources('AWS::Lambda::Function')[fnLogicalId]!;
  const roleRef = fn.Properties['Role']['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties['Roles'] as Array<{ Ref: string }>).some((r) => r.Ref === roleRef))
    .flatMap((p) => p.Properties['PolicyDocument']['Statement']);
}
const actionsOn = (stmts: ReturnType<typeof statementsOf>, resourceLogicalId: string) =>
  stmts
    .filter((s) => JSON.stringify(s.Resource).includes(resourceLogicalId))
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('HTTP API', () => {
  it('has exactly the routes in functions/spec.ts, each wired to its function', () => {
    const routes = Object.values(resources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties['RouteKey']).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    for (const spec of ROUTES) {
      const route = routes.find((r) => r.Properties['RouteKey'] === `${spec.method} ${spec.path}`)!;
      const integrationId = JSON.stringify(route.Properties['Target']).match(/"Ref":"([^"]+)"/)![1]!;
      const uri = JSON.stringify(integrations[integrationId]!.Properties['IntegrationUri']);
      const fn = spec.fn === 'webhook' ? stack.functions.webhook : stack.functions.api;
      expect(uri).toContain(logicalIdOf(fn));
    }
  });

  it('logs access in JSON to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });
});

describe('data', () => {
  it('is on-demand, encrypted, point-in-time recoverable, with TTL and the spec’s indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      GlobalSecondaryIndexes: TABLE.indexes.map((i) =>
        Match.objectLike({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
    });
  });
});

describe('queues', () => {
  it.each(Object.entries({ followUp: QUEUES.followUp, ingest: QUEUES.ingest }))('%s redrives to its own DLQ after maxReceiveCount', (key, spec) => {
    const pair = stack.queues[key as 'followUp' | 'ingest'];
    const q = resources('AWS::SQS::Queue')[logicalIdOf(pair.queue)]!;
    expect(q.Properties['RedrivePolicy']).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(pair.dlq), 'Arn'] },
      maxReceiveCount: spec.maxReceiveCount,
    });
    expect(q.Properties['VisibilityTimeout']).toBe(spec.visibilityTimeoutSeconds);
    expect(q.Properties['SqsManagedSseEnabled']).toBe(true);
  });

  it('lets the worker Lambda finish within the visibility timeout, six times over', () => {
    const worker = resources('AWS::Lambda::Function')[logicalIdOf(stack.functions.worker)]!;
    for (const spec of Object.values(QUEUES)) expect(spec.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * worker.Properties['Timeout']);
  });
});

describe('functions', () => {
  it('run nodejs24.x on arm64 with the config they need', () => {
    for (const fn of [stack.functions.webhook, stack.functions.api, stack.functions.worker]) {
      const r = resources('AWS::Lambda::Function')[logicalIdOf(fn)]!;
      expect(r.Properties['Runtime']).toBe('nodejs24.x');
      expect(r.Properties['Architectures']).toEqual(['arm64']);
      const env = r.Properties['Environment']['Variables'];
      for (const k of ['TABLE_NAME', 'FOLLOWUP_QUEUE_URL', 'INGEST_QUEUE_URL', 'PROVIDER_SECRETS_ARN', 'STAGE']) expect(env).toHaveProperty(k);
      expect(JSON.stringify(env)).not.toMatch(/TWILIO_AUTH_TOKEN|API_KEYS/); // secrets stay in Secrets Manager
    }
  });

  it('the worker consumes both queues reporting partial batch failures', () => {
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(2);
    for (const m of mappings) {
      expect(m.Properties['FunctionResponseTypes']).toEqual(['ReportBatchItemFailures']);
      expect(JSON.stringify(m.Properties['FunctionName'])).toContain(logicalIdOf(stack.functions.worker));
    }
    const sources = mappings.map((m) => JSON.stringify(m.Properties['EventSourceArn']));
    expect(sources.some((s) => s.includes(logicalIdOf(stack.queues.followUp.queue)))).toBe(true);
    expect(sources.some((s) => s.includes(logicalIdOf(stack.queues.ingest.queue)))).toBe(true);
  });

  it('grants least privilege: only the webhook may park on the ingest queue; only the worker consumes', () => {
    const table = logicalIdOf(stack.data.table);
    const ingest = logicalIdOf(stack.queues.ingest.queue);
    const followUp = logicalIdOf(stack.queues.followUp.queue);
    const secret = stack.getLogicalId(stack.functions.secret.node.defaultChild as never);
    const webhook = statementsOf(logicalIdOf(stack.functions.webhook));
    const apiFn = statementsOf(logicalIdOf(stack.functions.api));
    const worker = statementsOf(logicalIdOf(stack.functions.worker));

    expect(actionsOn(webhook, ingest)).toContain('sqs:SendMessage');
    expect(actionsOn(webhook, followUp)).toContain('sqs:SendMessage');
    expect(actionsOn(webhook, table)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query']));
    expect(actionsOn(apiFn, ingest)).toEqual([]);
    expect(actionsOn(apiFn, followUp)).toContain('sqs:SendMessage');
    expect(actionsOn(worker, followUp)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']));
    expect(actionsOn(worker, ingest)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(actionsOn(worker, ingest)).not.toContain('sqs:SendMessage');
    expect(actionsOn(webhook, followUp)).not.toContain('sqs:ReceiveMessage');
    for (const s of [webhook, apiFn, worker]) {
      expect(actionsOn(s, secret)).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
      // nothing wildcard on everything
      expect(s.some((x) => x.Resource === '*' && JSON.stringify(x.Action).includes('dynamodb'))).toBe(false);
    }
  });

  it('log to groups with a retention period', () => {
    const groups = Object.values(resources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const g of groups) expect(g.Properties['RetentionInDays']).toBe(30);
  });
});

describe('attachments bucket', () => {
  it('is private, encrypted, TLS-only, logged, with lifecycle rules', () => {
    const b = resources('AWS::S3::Bucket')[logicalIdOf(stack.storage.bucket)]!;
    expect(b.Properties['PublicAccessBlockConfiguration']).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(b.Properties['BucketEncryption']['ServerSideEncryptionConfiguration'][0]['ServerSideEncryptionByDefault']['SSEAlgorithm']).toBe('AES256');
    expect(b.Properties['LoggingConfiguration']).toBeDefined();
    const rules = b.Properties['LifecycleConfiguration']['Rules'] as Array<{ Prefix?: string; ExpirationInDays?: number }>;
    expect(rules.find((r) => r.Prefix === 'attachments/')?.ExpirationInDays).toBe(365);
    expect(rules.find((r) => r.Prefix === 'inbound/')?.ExpirationInDays).toBe(30);
    const policy = JSON.stringify(Object.values(resources('AWS::S3::BucketPolicy')).map((p) => p.Properties));
    expect(policy).toContain('aws:SecureTransport');
    expect(policy).toContain('ses.amazonaws.com');
  });

  it('grants: webhook writes attachments, api reads them (to presign), worker sends email', () => {
    const bucket = logicalIdOf(stack.storage.bucket);
    const webhook = statementsOf(logicalIdOf(stack.functions.webhook));
    const apiFn = statementsOf(logicalIdOf(stack.functions.api));
    const worker = statementsOf(logicalIdOf(stack.functions.worker));
    const on = (st: ReturnType<typeof statementsOf>, prefix: string) =>
      st.filter((x) => JSON.stringify(x.Resource).includes(bucket) && JSON.stringify(x.Resource).includes(prefix)).flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]));
    expect(on(webhook, '/attachments/*')).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(on(webhook, '/inbound/*')).toEqual(expect.arrayContaining(['s3:GetObject*']));
    expect(on(apiFn, '/attachments/*')).toEqual(expect.arrayContaining(['s3:GetObject*']));
    expect(on(apiFn, '/attachments/*')).not.toContain('s3:PutObject');
    expect(worker.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]))).toEqual(expect.arrayContaining(['ses:SendEmail', 'ses:SendRawEmail']));
    expect(webhook.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]))).not.toContain('ses:SendEmail');
  });
});

describe('observability', () => {
  it('alarms on every DLQ and has a dashboard of the EMF metrics', () => {
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm'));
    for (const dlq of [stack.queues.followUp.dlq, stack.queues.ingest.dlq]) {
      expect(alarms.some((a) => JSON.stringify(a.Properties['Dimensions'] ?? '').includes(logicalIdOf(dlq)))).toBe(true);
    }
    const body = JSON.stringify(Object.values(resources('AWS::CloudWatch::Dashboard'))[0]!.Properties['DashboardBody']);
    for (const m of ['FirstResponseTime', 'ResolutionTime', 'SlaBreached', 'MessagesReceived', 'WebhookRejected']) expect(body).toContain(m);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unsuppressed error or warning', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
    expect(warnings.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });

  it('also holds for an environment-agnostic stack (no account or region, as `cdk synth` without credentials)', () => {
    const app = new App();
    const agnostic = new SupportStack(app, 'Agnostic');
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    const errors = Annotations.fromStack(agnostic).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });

  it('gives a reason for every suppression', () => {
    const res = (template.toJSON() as { Resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: Array<{ id: string; reason: string }> } } }> }).Resources;
    const suppressions = Object.values(res).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(20);
  });
});

describe('bundles', () => {
  it('the bundled API handler loads as ESM and serves /health', async () => {
    const fn = resources('AWS::Lambda::Function')[logicalIdOf(stack.functions.api)]!;
    const asset = JSON.stringify(fn.Properties['Code']).match(/"S3Key":"([0-9a-f]+)\.zip"/)?.[1];
    expect(asset).toBeDefined();
    const file = join(outdir, `asset.${asset}`, 'index.mjs');
    expect(existsSync(file)).toBe(true);
    Object.assign(process.env, { STAGE: 'local', FOLLOWUP_QUEUE_URL: 'http://localhost:1/q/f', INGEST_QUEUE_URL: 'http://localhost:1/q/i', AWS_REGION: 'eu-west-1' });
    const mod = (await import(pathToFileURL(file).href)) as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; body: string }> };
    const res = await mod.handler(
      { version: '2.0', rawPath: '/health', rawQueryString: '', headers: {}, requestContext: { requestId: 'x', http: { method: 'GET', path: '/health' } }, isBase64Encoded: false },
      {},
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).status).toBe('ok');
  });
});

describe('app', () => {
  it('synthesizes with no AWS credentials', () => {
    expect(Stack.of(stack).resolve(stack.region)).toBe('eu-west-1');
  });
});
