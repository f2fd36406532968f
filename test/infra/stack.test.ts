/** The CDK stack's behaviour: routes, grants, redrive, recovery, batch failure reporting, cdk-nag. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, ROUTES, TABLE } from '../../functions/spec.ts';
import { DEFAULT_THROTTLE } from '../../lib/settings.ts';
import { SupportStack, type SupportStackProps } from '../../lib/stack.ts';

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

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
const resources = (type: string, t: Template = template): Resources => t.findResources(type) as Resources;
const logicalIdOf = (c: { node: { defaultChild?: unknown } }, st: Stack = stack) => st.getLogicalId((c.node.defaultChild ?? c) as never);

/** Every IAM statement attached to a function's role. */
function statementsOf(fnLogicalId: string, t: Template = template): Array<{ Action: string | string[]; Resource: unknown }> {
  const fn = resources('AWS::Lambda::Function', t)[fnLogicalId]!;
  const roleRef = fn.Properties['Role']['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy', t))
    .filter((p) => (p.Properties['Roles'] as Array<{ Ref: string }>).some((r) => r.Ref === roleRef))
    .flatMap((p) => p.Properties['PolicyDocument']['Statement']);
}
const actionsOn = (stmts: ReturnType<typeof statementsOf>, resourceLogicalId: string) =>
  stmts
    .filter((s) => JSON.stringify(s.Resource).includes(resourceLogicalId))
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('HTTP API', () => {
  it('has exactly the routes in functions/spec.ts, each wired to its function, and a default route to the api (JSON 404/405)', () => {
    const routes = Object.values(resources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties['RouteKey']).sort()).toEqual([...ROUTES.map((r) => `${r.method} ${r.path}`), '$default'].sort());
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    for (const spec of [...ROUTES, { method: '', path: '', fn: 'api' as const }]) {
      const key = spec.method ? `${spec.method} ${spec.path}` : '$default';
      const route = routes.find((r) => r.Properties['RouteKey'] === key)!;
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
    // The webhook dispatcher and delivery functions have their own mappings (test/infra/webhooks-out.test.ts).
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties['FunctionName']).includes(logicalIdOf(stack.functions.worker)));
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
    expect(actionsOn(webhook, table)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']));
    // The api only sends to the ingest queue to redrive its DLQ (POST /v1/admin/redrive); it never consumes it.
    expect(actionsOn(apiFn, ingest)).not.toContain('sqs:ReceiveMessage');
    expect(actionsOn(apiFn, ingest)).not.toContain('sqs:DeleteMessage');
    for (const pair of stack.queues.all) {
      expect(actionsOn(apiFn, logicalIdOf(pair.dlq))).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']));
      expect(actionsOn(apiFn, logicalIdOf(pair.queue))).toContain('sqs:SendMessage');
    }
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

  it('grants: webhook writes attachments, api reads them (to presign), no one sends email by default', () => {
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
    // Erasing a contact deletes its stored bytes: the api alone may delete, and only under attachments/.
    expect(on(apiFn, '/attachments/*')).toContain('s3:DeleteObject');
    expect(on(apiFn, '/inbound/*')).toEqual([]);
    expect(JSON.stringify(webhook.map((x) => x.Action))).not.toContain('s3:Delete');
    // The worker deletes only call recordings it stored for a call erased during the download.
    expect(JSON.stringify(worker.filter((x) => JSON.stringify(x.Action).includes('s3:Delete')).map((x) => x.Resource))).not.toMatch(/attachments\/\*|inbound/);
    // The worker only puts call recordings (attachments/voice/*): parked messages are normalized, their bytes already stored.
    expect(on(worker, '/attachments/voice/*')).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect(JSON.stringify(worker.filter((x) => !JSON.stringify(x.Resource).includes('/attachments/voice/*')).map((x) => x.Action))).not.toContain('s3:');
    for (const s of [webhook, apiFn, worker]) expect(JSON.stringify(s.map((x) => x.Action))).not.toContain('ses:');
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

/** Another stack built from the given context (and props), with cdk-nag and without bundling the functions. */
function synthWith(context: Record<string, unknown>, props: SupportStackProps = {}): { stack: SupportStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const s = new SupportStack(app, 'Configured', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack: s, template: Template.fromStack(s) };
}

type Fn = SupportStack['functions']['webhook'];
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** A function's DynamoDB actions by resource: `table` or `index/<name>` (sorted, for exact comparison). */
function dynamoGrants(fn: Fn, st: SupportStack = stack, t: Template = template): Record<string, string[]> {
  const table = logicalIdOf(st.data.table, st);
  const out: Record<string, Set<string>> = {};
  for (const s of statementsOf(logicalIdOf(fn, st), t)) {
    const actions = actionsOf(s).filter((a) => a.startsWith('dynamodb:'));
    if (!actions.length) continue;
    for (const r of Array.isArray(s.Resource) ? s.Resource : [s.Resource]) {
      const json = JSON.stringify(r);
      expect(json).toContain(table); // DynamoDB actions only ever on this table
      const index = /\/index\/([^"]+)"/.exec(json)?.[1];
      for (const a of actions) (out[index === undefined ? 'table' : `index/${index}`] ??= new Set()).add(a.replace('dynamodb:', ''));
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** Every IAM statement in the template: role policies, inline role policies, managed policies. */
function allStatements(t: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  return [
    ...Object.values(resources('AWS::IAM::Policy', t)).flatMap((p) => p.Properties['PolicyDocument']['Statement']),
    ...Object.values(resources('AWS::IAM::ManagedPolicy', t)).flatMap((p) => p.Properties['PolicyDocument']['Statement']),
    ...Object.values(resources('AWS::IAM::Role', t)).flatMap((r) =>
      ((r.Properties['Policies'] ?? []) as Array<{ PolicyDocument: { Statement: unknown[] } }>).flatMap((p) => p.PolicyDocument.Statement),
    ),
  ] as Array<{ Action: string | string[]; Resource: unknown }>;
}

const FORBIDDEN_DYNAMO = /^dynamodb:(Scan|BatchWriteItem|.*\*)$/;

describe('DynamoDB least privilege', () => {
  it('no policy anywhere allows dynamodb:Scan, BatchWriteItem or a dynamodb wildcard; only the api may DeleteItem (erasing a contact)', () => {
    for (const t of [template, synthWith({ sesIdentities: 'example.com' }).template]) {
      const all = allStatements(t).flatMap(actionsOf);
      expect(all.some((a) => a.startsWith('dynamodb:'))).toBe(true);
      expect(all.filter((a) => FORBIDDEN_DYNAMO.test(a) || a === '*')).toEqual([]);
    }
    for (const fn of [stack.functions.webhook, stack.functions.worker]) expect(dynamoGrants(fn)['table']).not.toContain('DeleteItem');
  });

  it('the webhook may BatchGetItem, GetItem, PutItem and UpdateItem on the table, and nothing on the indexes', () => {
    expect(dynamoGrants(stack.functions.webhook)).toEqual({ table: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'] });
  });

  it('the api may GetItem, PutItem, Query, UpdateItem (report counters) and DeleteItem (erase) on the table, and only Query on the list indexes', () => {
    expect(dynamoGrants(stack.functions.api)).toEqual({
      table: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
      ...Object.fromEntries(TABLE.indexes.map((i) => [`index/${i.name}`, ['Query']])),
    });
  });

  it('the worker may BatchGetItem, GetItem, PutItem, Query and UpdateItem on the table, and nothing on the indexes', () => {
    expect(dynamoGrants(stack.functions.worker)).toEqual({ table: ['BatchGetItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'] });
  });

  /** The table actions an adapter's source issues (commands, and transaction items by kind). */
  const actionsIn = (file: string): Set<string> => {
    const src = readFileSync(new URL(`../../functions/adapters/${file}`, import.meta.url), 'utf8');
    const byCommand: Record<string, string> = {
      Get: 'GetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', Query: 'Query', Scan: 'Scan',
      BatchWrite: 'BatchWriteItem', BatchGet: 'BatchGetItem', TransactGet: 'GetItem', ExecuteStatement: 'PartiQL', ExecuteTransaction: 'PartiQL',
    };
    const needed = new Set<string>();
    for (const [, c] of src.matchAll(/new (\w+)Command\(/g)) if (c !== 'TransactWrite') needed.add(byCommand[c!] ?? `unknown ${c}Command`);
    // TransactWriteItems is authorised per item kind.
    for (const [, k] of src.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g)) needed.add(`${k}Item`);
    return needed;
  };

  it('the grants cover every call the store makes, and the store makes none of the forbidden ones', () => {
    const src = readFileSync(new URL('../../functions/adapters/dynamo-store.ts', import.meta.url), 'utf8');
    const needed = actionsIn('dynamo-store.ts');
    expect(needed.size).toBeGreaterThan(0);
    const granted = new Set([stack.functions.webhook, stack.functions.api, stack.functions.worker].flatMap((fn) => dynamoGrants(fn)['table'] ?? []));
    expect([...needed].filter((a) => !granted.has(a))).toEqual([]);
    expect([...needed].filter((a) => FORBIDDEN_DYNAMO.test(`dynamodb:${a}`) || a === 'DeleteItem')).toEqual([]);
    if (src.includes('IndexName')) expect(Object.keys(dynamoGrants(stack.functions.api)).some((k) => k.startsWith('index/'))).toBe(true);
  });

  it('the api’s grants cover every call the contact store makes (it alone deletes), and it makes none of the forbidden ones', () => {
    const needed = actionsIn('dynamo-contacts.ts');
    expect(needed).toContain('DeleteItem');
    const api = dynamoGrants(stack.functions.api);
    expect([...needed].filter((a) => !(api['table'] ?? []).includes(a))).toEqual([]);
    expect([...needed].filter((a) => FORBIDDEN_DYNAMO.test(`dynamodb:${a}`))).toEqual([]);
  });
});

describe('throttling', () => {
  const stageOf = (t: Template) => Object.values(resources('AWS::ApiGatewayV2::Stage', t))[0]!;
  const key = (r: (typeof ROUTES)[number]) => `${r.method} ${r.path}`;

  it('limits each webhook route and each API route separately, with the different defaults', () => {
    const settings = stageOf(template).Properties['RouteSettings'] as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual([...ROUTES.map(key), '$default'].sort());
    expect(settings['$default']).toEqual({ ThrottlingRateLimit: DEFAULT_THROTTLE.api.rateLimit, ThrottlingBurstLimit: DEFAULT_THROTTLE.api.burstLimit });
    for (const r of ROUTES) {
      expect(settings[key(r)]).toEqual({ ThrottlingRateLimit: DEFAULT_THROTTLE[r.fn].rateLimit, ThrottlingBurstLimit: DEFAULT_THROTTLE[r.fn].burstLimit });
    }
    expect(settings['POST /webhooks/twilio']).not.toEqual(settings['GET /v1/tickets']);
    expect(settings['POST /webhooks/twilio']).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    expect(settings['GET /v1/tickets']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  it('creates the stage after the routes its settings name', () => {
    const stage = stageOf(template);
    for (const id of Object.keys(resources('AWS::ApiGatewayV2::Route'))) expect(stage.DependsOn).toContain(id);
  });

  it('takes the limits from context', () => {
    const { template: t } = synthWith({ webhookThrottleRate: '300', webhookThrottleBurst: 600, apiThrottleRate: '20', apiThrottleBurst: '40' });
    const stage = stageOf(t);
    const settings = stage.Properties['RouteSettings'] as Record<string, unknown>;
    for (const r of ROUTES) {
      expect(settings[key(r)]).toEqual(
        r.fn === 'webhook' ? { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 } : { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      );
    }
    expect(stage.Properties['DefaultRouteSettings']).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
  });
});

describe('SES sending', () => {
  const env = (st: SupportStack, t: Template) => resources('AWS::Lambda::Function', t)[logicalIdOf(st.functions.worker, st)]!.Properties['Environment']['Variables'];
  const sesStatements = (t: Template) => allStatements(t).filter((x) => actionsOf(x).some((a) => a.startsWith('ses:')));

  it('never grants identity/*', () => {
    for (const t of [template, synthWith({ sesIdentities: 'example.com' }).template]) expect(JSON.stringify(t.toJSON())).not.toMatch(/identity\/\*/);
  });

  it('without identities: no SES permission anywhere, the worker runs with EMAIL_SENDER=none, and synth warns how to enable it', () => {
    expect(sesStatements(template)).toEqual([]);
    expect(env(stack, template)['EMAIL_SENDER']).toBe('none');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('sesIdentities'));
    expect(warnings.map((w) => w.id)).toEqual([`/${stack.node.id}/Functions/Worker`]);
  });

  it('with sesIdentities: only the worker, only those identities of the stack’s account and region', () => {
    const { stack: st, template: t } = synthWith({ sesIdentities: 'example.com, support@example.org' });
    const ses = sesStatements(t);
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    const arns = (ses[0]!.Resource as unknown[]).map((r) => JSON.stringify(r));
    expect(arns).toHaveLength(2);
    expect(arns[0]).toContain(':ses:eu-west-1:123456789012:identity/example.com"');
    expect(arns[1]).toContain(':ses:eu-west-1:123456789012:identity/support@example.org"');
    expect(JSON.stringify(statementsOf(logicalIdOf(st.functions.worker, st), t))).toContain('ses:SendRawEmail');
    for (const fn of [st.functions.webhook, st.functions.api]) expect(JSON.stringify(statementsOf(logicalIdOf(fn, st), t))).not.toContain('ses:');
    expect(env(st, t)['EMAIL_SENDER']).toBe('ses');
    expect(Annotations.fromStack(st).findWarning('*', Match.stringLikeRegexp('sesIdentities'))).toEqual([]);
    expect(Annotations.fromStack(st).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('with sesIdentityArns: exactly those ARNs', () => {
    const arns = ['arn:aws:ses:eu-west-1:123456789012:identity/example.com', 'arn:aws:ses:eu-west-1:123456789012:identity/help@example.net'];
    const { stack: st, template: t } = synthWith({ sesIdentityArns: arns.join(',') });
    expect(sesStatements(t).map((x) => x.Resource)).toEqual([arns]);
    expect(env(st, t)['EMAIL_SENDER']).toBe('ses');
  });

  it.each([
    ['sesIdentityArns', 'arn:aws:ses:eu-west-1:123456789012:identity/*'],
    ['sesIdentityArns', 'example.com'],
    ['sesIdentities', '*'],
    ['sesIdentities', '*.example.com'],
  ])('refuses %s=%s at synth, naming the key', (k, v) => {
    expect(() => synthWith({ [k]: v })).toThrow(new RegExp(`Context "${k}"`));
  });
});

describe('reserved concurrency and numeric context', () => {
  const reservedOf = (st: SupportStack, t: Template) =>
    Object.fromEntries(
      (['webhook', 'api', 'worker'] as const).map((k) => [k, resources('AWS::Lambda::Function', t)[logicalIdOf(st.functions[k], st)]!.Properties['ReservedConcurrentExecutions']]),
    );

  it('is unset by default', () => {
    expect(reservedOf(stack, template)).toEqual({ webhook: undefined, api: undefined, worker: undefined });
  });

  it('applies per function from context', () => {
    const { stack: st, template: t } = synthWith({ webhookReservedConcurrency: '20', workerReservedConcurrency: 5 });
    expect(reservedOf(st, t)).toEqual({ webhook: 20, api: undefined, worker: 5 });
    const apiOnly = synthWith({ apiReservedConcurrency: '3' });
    expect(reservedOf(apiOnly.stack, apiOnly.template)).toEqual({ webhook: undefined, api: 3, worker: undefined });
  });

  it.each([
    ['webhookReservedConcurrency', '0'],
    ['apiReservedConcurrency', '-1'],
    ['workerReservedConcurrency', '2.5'],
    ['workerReservedConcurrency', 0],
    ['webhookThrottleRate', 'fast'],
    ['webhookThrottleBurst', '1e3'],
    ['apiThrottleRate', '0'],
    ['apiThrottleBurst', 12.5],
  ])('a bad %s (%j) fails synth naming the key', (k, v) => {
    expect(() => synthWith({ [k]: v })).toThrow(`Context "${k}" must be a positive integer`);
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
    // A route whose code is in a lazily loaded chunk (chunks/*.mjs in the same asset).
    const page = await mod.handler(
      { version: '2.0', rawPath: '/console', rawQueryString: '', headers: {}, requestContext: { requestId: 'y', http: { method: 'GET', path: '/console' } }, isBase64Encoded: false },
      {},
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html');
  });

  it('each function has its own asset: its entry plus chunks/, all ES modules', () => {
    const fns = [stack.functions.webhook, stack.functions.api, stack.functions.worker];
    const keys = fns.map((f) => JSON.stringify(resources('AWS::Lambda::Function')[logicalIdOf(f)]!.Properties['Code']).match(/"S3Key":"([0-9a-f]+)\.zip"/)?.[1]);
    expect(new Set(keys).size).toBe(3);
    for (const k of keys) {
      const dir = join(outdir, `asset.${k}`);
      expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
      const chunks = readdirSync(join(dir, 'chunks'));
      expect(chunks.length).toBeGreaterThan(0);
      for (const c of chunks) expect(c).toMatch(/\.mjs$/);
    }
  });
});

describe('app', () => {
  it('synthesizes with no AWS credentials', () => {
    expect(Stack.of(stack).resolve(stack.region)).toBe('eu-west-1');
  });
});
