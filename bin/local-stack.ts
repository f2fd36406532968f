/**
 * The whole system on this machine: real engines (DynamoDB Local, fauxqs), the table and queues
 * from functions/spec.ts, an HTTP gateway that turns requests into the API Gateway HTTP API (v2)
 * events the real handlers receive, and a worker loop that feeds SQS batches to the real worker
 * handler, honouring partial batch failures (failing messages reach the DLQ after maxReceiveCount).
 */
import '../functions/zod-jitless.ts'; // first: before any schema is built, as in the bundles
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message as SqsMessage } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { localClients, type AwsClients } from '../functions/adapters/clients.ts';
import { makeApiHandler } from '../functions/api/handler.ts';
import { createRuntime, type Runtime } from '../functions/app.ts';
import { buildConfig, type Config } from '../functions/config.ts';
import type { CoreDeps } from '../functions/core/ports.ts';
import { findRoute } from '../functions/routing.ts';
import { ATTACHMENTS, MAX_BODY_BYTES, WEBHOOK_TIMEOUT_SECONDS, WORKER_BATCH_SIZE, WORKER_TIMEOUT_SECONDS, TABLE, QUEUES, type FunctionName, type RouteSpec } from '../functions/spec.ts';
import { makeWebhookHandler } from '../functions/webhook/handler.ts';
import { makeWorkerHandler } from '../functions/worker/handler.ts';
import { makeDeliveryHandler } from '../functions/webhooks-out/delivery.ts';
import { makeDispatchHandler } from '../functions/webhooks-out/dispatcher.ts';
import { startStreamPoller, type LocalStreamPoller } from './local-streams.ts';
import { startEngines, type EngineEvent, type Engines } from './local-engines.ts';
import { formatRequestLine, RequestTracker } from './local-requests.ts';
import { RouteThrottle, throttledResponse } from './local-throttle.ts';
import { DEFAULT_THROTTLE, type ThrottleSettings } from '../lib/throttle.ts';
import { createBucket, createQueues, createTable, type LocalQueue } from './local-resources.ts';
import { fileURLToPath } from 'node:url';

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. Defaults to PORT from the env, else 3000. */
  readonly port?: number;
  /** The environment to configure from (defaults to process.env). STAGE is forced to `local`. */
  readonly env?: Record<string, string | undefined>;
  /** Reuse running engines instead of starting new ones (the test suite shares one pair). */
  readonly engines?: { readonly dynamoEndpoint: string; readonly sqsEndpoint: string };
  /** Persist engine state in this folder (only when this stack starts the engines). */
  readonly dataDir?: string | undefined;
  readonly tableName?: string;
  /** Prefix for queue names, so several stacks can share one fauxqs. */
  readonly queuePrefix?: string;
  /** Shorter visibility timeout for tests, so retries and DLQ moves happen in seconds. */
  readonly visibilityTimeoutSeconds?: number;
  /** Long-poll wait of the worker loop. */
  readonly pollWaitSeconds?: number;
  /** Replace core dependencies (tests: recording metrics, a clock). */
  readonly overrides?: (clients: AwsClients) => Partial<CoreDeps>;
  /** Run the worker loop (default true). */
  readonly worker?: boolean;
  /** SES API endpoint for outbound email (a stub in tests); with none, EMAIL_SENDER stays "none". */
  readonly sesEndpoint?: string;
  /** Attachments bucket name (several stacks can share one fauxqs). */
  readonly bucket?: string;
  /**
   * One line per HTTP request (`POST /webhooks/twilio 200 23 ms → ticket 01J… new`), handed to this
   * function. Off unless given (npm start passes console.log; test stacks stay quiet).
   */
  readonly requestLog?: (line: string) => void;
  /** Start-up progress: the engines' steps, then the table and queues, then the HTTP server. */
  readonly onEvent?: (e: StackEvent) => void;
  /** Passed to startEngines: where the JVM's pid is recorded (npm start only). */
  readonly pidFile?: string;
  /**
   * Per-route throttling as deployed (bin/local-throttle.ts): 429 with Retry-After. LOCAL_THROTTLE
   * (on|off) in the env wins; without it, this (default off: tests and benchmarks are not throttled;
   * npm start turns it on). Limits instead of `true` replace the deployed defaults (tests).
   */
  readonly throttle?: boolean | Readonly<Record<FunctionName, ThrottleSettings>>;
}

export type StackEvent =
  | EngineEvent
  | { readonly kind: 'resources-created'; readonly ms: number; readonly table: string }
  | { readonly kind: 'http-listening'; readonly url: string };

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly runtime: Runtime;
  readonly clients: AwsClients;
  readonly queues: Record<keyof typeof QUEUES, LocalQueue>;
  /** The table-stream poller feeding the webhook dispatcher (absent with worker: false); stop/start it to simulate a dispatcher outage. */
  readonly webhookStream?: LocalStreamPoller;
  readonly endpoints: { readonly dynamo: string; readonly sqs: string };
  /** Resolves when the worker loop has nothing in flight and the queues looked empty on the last poll. */
  stop(): Promise<void>;
}

/**
 * Locally, SES notifications are signed by the simulator with a test key whose certificate is served
 * for any valid SNS SigningCertURL (AWS's own certificates cannot be fetched offline). Test-only key.
 */
export const LOCAL_SNS_CERT_FILE = fileURLToPath(new URL('./local-sns/cert.pem', import.meta.url));
export const LOCAL_SNS_KEY_FILE = fileURLToPath(new URL('./local-sns/key.pem', import.meta.url));
/** Local Vonage application (bin/local-vonage/README.md): signs Vonage Voice recording downloads offline. */
export const LOCAL_VONAGE_KEY_FILE = fileURLToPath(new URL('./local-vonage/private.pem', import.meta.url));
export const LOCAL_VONAGE_APPLICATION_ID = 'local-vonage-application';
export const LOCAL_SNS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:local-ses-inbound';

const TEXT_TYPES = /^(text\/[^;]+|application\/(json|xml|javascript))(\s*;.*)?$/i;

/** API Gateway HTTP APIs pass only text/*, JSON, XML and JavaScript bodies as text; all else is base64. */
export const isTextContentType = (ct: string | undefined): boolean => !!ct && TEXT_TYPES.test(ct.trim());

/** A Lambda context whose remaining time counts down from `timeoutSeconds`, like the real one. */
const lambdaContext = (name: string, timeoutSeconds = 30): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } as Context;
};

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => ok(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Build the API Gateway HTTP API (payload 2.0) event for one request, as the real gateway does. */
export function toEvent(req: IncomingMessage, body: Buffer, route: RouteSpec, params: Record<string, string>): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(/;\s*/).filter(Boolean));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const rawQueryString = url.search.startsWith('?') ? url.search.slice(1) : '';
  const qs: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) qs[k] = qs[k] === undefined ? v : `${qs[k]},${v}`;
  const text = isTextContentType(headers['content-type']);
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(qs).length ? { queryStringParameters: qs } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: (headers['host'] ?? 'localhost').split('.')[0]!,
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

function send(res: ServerResponse, r: APIGatewayProxyStructuredResultV2): void {
  const headers = { ...(r.headers ?? {}) } as Record<string, string | number | boolean>;
  res.writeHead(r.statusCode ?? 200, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
  res.end(r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64') : (r.body ?? ''));
}

const gatewayError = (res: ServerResponse, status: number, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
};

/** Stand-in queue URLs for checking the settings before the queues exist. */
const PREFLIGHT_QUEUE_URL = 'http://127.0.0.1:1/000000000000/preflight';

/** The environment the stack configures from: the operator's, plus what the stack decides itself. */
function stackEnv(
  env: Record<string, string | undefined>,
  s: { port: string | undefined; tableName: string; bucket: string; queueUrls: Record<string, string> },
): Record<string, string | undefined> {
  return {
    ...env,
    STAGE: 'local',
    PORT: s.port,
    TABLE_NAME: s.tableName,
    ATTACHMENTS_BUCKET: s.bucket,
    SNS_CERT_FILE: env['SNS_CERT_FILE'] ?? LOCAL_SNS_CERT_FILE,
    SNS_TOPIC_ARNS: env['SNS_TOPIC_ARNS'] ?? LOCAL_SNS_TOPIC_ARN,
    VONAGE_APPLICATION_ID: env['VONAGE_APPLICATION_ID'] ?? LOCAL_VONAGE_APPLICATION_ID,
    VONAGE_PRIVATE_KEY: env['VONAGE_PRIVATE_KEY'] ?? readFileSync(LOCAL_VONAGE_KEY_FILE, 'utf8'),
    ...s.queueUrls,
  };
}

/**
 * The settings checked exactly as the stack will build them (STAGE=local), before anything starts:
 * throws ConfigError naming every bad variable. Queue URLs, which exist only later, are stand-ins.
 */
export function checkLocalSettings(env: Record<string, string | undefined> = process.env, opts: Pick<LocalStackOptions, 'port' | 'tableName' | 'bucket'> = {}): Config {
  const queueUrls = Object.fromEntries(
    [QUEUES.followUp.urlEnv, QUEUES.ingest.urlEnv, QUEUES.followUp.dlqUrlEnv, QUEUES.ingest.dlqUrlEnv, QUEUES.webhookDelivery.urlEnv, QUEUES.webhookDelivery.dlqUrlEnv].map((k) => [k, PREFLIGHT_QUEUE_URL]),
  );
  return buildConfig(
    stackEnv(env, {
      port: opts.port !== undefined ? String(opts.port) : env['PORT'],
      tableName: opts.tableName ?? TABLE.defaultName,
      bucket: opts.bucket ?? env['ATTACHMENTS_BUCKET'] ?? ATTACHMENTS.defaultBucket,
      queueUrls,
    }),
  );
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const env = opts.env ?? process.env;
  // A bad setting is reported before any engine starts.
  const settings = checkLocalSettings(env, opts);
  const emit = opts.onEvent ?? (() => undefined);
  let engines: Engines | undefined;
  let endpoints = opts.engines;
  if (!endpoints) {
    engines = await startEngines({ dataDir: opts.dataDir, pidFile: opts.pidFile, onEvent: emit });
    endpoints = { dynamoEndpoint: engines.dynamoEndpoint, sqsEndpoint: engines.sqsEndpoint };
  }
  const clients = localClients({ dynamo: endpoints.dynamoEndpoint, sqs: endpoints.sqsEndpoint, ses: opts.sesEndpoint });
  let server: Server | undefined;
  const stopping = { value: false };
  const loops: Promise<void>[] = [];
  try {
    const created = Date.now();
    const tableName = opts.tableName ?? TABLE.defaultName;
    await createTable(clients.dynamo, tableName);
    const queues = await createQueues(clients.sqs, opts.queuePrefix ?? '', { visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds });
    const bucket = opts.bucket ?? env['ATTACHMENTS_BUCKET'] ?? ATTACHMENTS.defaultBucket;
    await createBucket(clients.s3, bucket);
    emit({ kind: 'resources-created', ms: Date.now() - created, table: tableName });

    const port = settings.port;
    server = createServer();
    await new Promise<void>((ok, fail) => {
      server!.once('error', fail);
      server!.listen(port, '127.0.0.1', () => ok());
    });
    const actualPort = (server.address() as AddressInfo).port;
    const config = buildConfig(
      stackEnv(env, {
        port: String(actualPort),
        tableName,
        bucket,
        queueUrls: {
          // Every queue of functions/spec.ts QUEUES with its DLQ (redrive covers each).
          ...Object.fromEntries(Object.entries(queues).flatMap(([, q]) => [[q.spec.urlEnv, q.url], [q.spec.dlqUrlEnv, q.dlqUrl]])),
          [QUEUES.followUp.urlEnv]: queues.followUp.url,
          [QUEUES.ingest.urlEnv]: queues.ingest.url,
          [QUEUES.followUp.dlqUrlEnv]: queues.followUp.dlqUrl,
          [QUEUES.ingest.dlqUrlEnv]: queues.ingest.dlqUrl,
          [QUEUES.webhookDelivery.urlEnv]: queues.webhookDelivery.url,
          [QUEUES.webhookDelivery.dlqUrlEnv]: queues.webhookDelivery.dlqUrl,
        },
      }),
    );
    const overrides = opts.overrides?.(clients) ?? {};
    let runtime = createRuntime(config, clients, overrides);
    // With a request log, the ports that say what became of a webhook also report to its line.
    const tracker = opts.requestLog ? new RequestTracker() : undefined;
    if (tracker) runtime = createRuntime(config, clients, { ...runtime.deps, ...tracker.wrap(runtime.deps) });
    const get = () => Promise.resolve(runtime);
    const handlers = { webhook: makeWebhookHandler(get), api: makeApiHandler(get) };
    const worker = makeWorkerHandler(get);

    const throttleOn = (config.localThrottle ?? (opts.throttle ? 'on' : 'off')) === 'on';
    const throttle = throttleOn ? new RouteThrottle(typeof opts.throttle === 'object' ? opts.throttle : DEFAULT_THROTTLE) : undefined;
    const serve = (req: IncomingMessage, res: ServerResponse): Promise<void> =>
      (async () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const matched = findRoute((req.method ?? 'GET').toUpperCase(), url.pathname);
        // Like the deployed stage: each route key has its own token bucket, checked before the function runs.
        const routeKey = matched.kind === 'match' ? `${matched.route.method} ${matched.route.path}` : '$default';
        const taken = throttle?.take(routeKey);
        if (taken && !taken.ok) return send(res, throttledResponse(routeKey, taken.retryAfterSeconds));
        const body = await readBody(req);
        if (body === 'too-large') return gatewayError(res, 413, 'Request Entity Too Large');
        // Like the deployed API's $default route: a request no route matches goes to the api
        // function, which answers a JSON 404 (or 405 with Allow).
        const route: RouteSpec = matched.kind === 'match' ? matched.route : { method: (req.method ?? 'GET').toUpperCase() as RouteSpec['method'], path: url.pathname, fn: 'api' };
        const event = toEvent(req, body, route, matched.kind === 'match' ? matched.params : {});
        if (matched.kind !== 'match') Object.assign(event, { routeKey: '$default' });
        const timeout = route.fn === 'webhook' ? WEBHOOK_TIMEOUT_SECONDS : 30;
        const result = await handlers[route.fn](event, lambdaContext(`support-${route.fn}`, timeout));
        send(res, result);
      })().catch((e: unknown) => {
        runtime.deps.log.error('local gateway error', { error: String(e) });
        if (!res.headersSent) gatewayError(res, 500, 'Internal Server Error');
      });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!tracker || !opts.requestLog) return void serve(req, res);
      const log = opts.requestLog;
      const started = performance.now();
      const { outcomes } = tracker.run(() => serve(req, res));
      res.once('close', () => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        log(formatRequestLine({ method: req.method ?? 'GET', path, status: res.statusCode, ms: performance.now() - started, outcomes, aborted: !res.writableFinished }));
      });
    });

    // Outbound webhooks (issue 13): the delivery queue runs the delivery handler, the table's stream the dispatcher.
    const webhookDeps = () => ({ deps: { ...runtime.deps, webhooks: runtime.deps.webhooks! } });
    const delivery = makeDeliveryHandler(async () => webhookDeps());
    let webhookStream: LocalStreamPoller | undefined;
    if (opts.worker !== false) {
      for (const q of Object.values(queues)) {
        loops.push(pollQueue(clients, q, q === queues.webhookDelivery ? delivery : worker, stopping, opts.pollWaitSeconds ?? 1, runtime));
      }
      const dispatch = makeDispatchHandler(async () => webhookDeps());
      webhookStream = startStreamPoller({ dynamo: clients.dynamo, endpoint: endpoints.dynamoEndpoint, tableName, handler: dispatch, onError: (m, e) => runtime.deps.log.error(m, e) });
    }

    const url = `http://127.0.0.1:${actualPort}`;
    emit({ kind: 'http-listening', url });
    const srv = server;
    return {
      url,
      port: actualPort,
      runtime,
      clients,
      queues,
      ...(webhookStream ? { webhookStream } : {}),
      endpoints: { dynamo: endpoints.dynamoEndpoint, sqs: endpoints.sqsEndpoint },
      async stop() {
        stopping.value = true;
        await webhookStream?.stop();
        await new Promise<void>((r) => srv.close(() => r()));
        srv.closeAllConnections();
        await Promise.all(loops);
        clients.dynamo.destroy();
        clients.sqs.destroy();
        await engines?.stop();
      },
    };
  } catch (e) {
    stopping.value = true;
    server?.close();
    await Promise.all(loops);
    await engines?.stop();
    throw e;
  }
}

/** Poll one queue and hand batches to the worker handler, deleting only the records it did not report failed. */
async function pollQueue(
  clients: AwsClients,
  queue: LocalQueue,
  worker: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>,
  stopping: { value: boolean },
  waitSeconds: number,
  runtime: Runtime,
): Promise<void> {
  while (!stopping.value) {
    try {
      const r = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: WORKER_BATCH_SIZE,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = r.Messages ?? [];
      if (messages.length === 0) continue;
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queue)) };
      const out = await worker(event, lambdaContext('support-worker', WORKER_TIMEOUT_SECONDS));
      const failed = new Set((out?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length) {
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    } catch (e) {
      if (stopping.value) return;
      runtime.deps.log.error('local worker loop error', { queue: queue.spec.name, error: String(e) });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** An SQS message as the record of the SQSEvent Lambda would hand the worker. */
export function toRecord(m: SqsMessage, queue: Pick<LocalQueue, 'url'>): SQSEvent['Records'][number] {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: a['SentTimestamp'] ?? String(Date.now()),
      SenderId: a['SenderId'] ?? 'local',
      ApproximateFirstReceiveTimestamp: a['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        { dataType: v.DataType ?? 'String', ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}) },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue.url.split("/").pop()}`,
    awsRegion: 'us-east-1',
  };
}
