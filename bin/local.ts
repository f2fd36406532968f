/**
 * `npm start`: the whole system locally on real engines. Options:
 *   --persist [dir]   keep DynamoDB Local and fauxqs state in a folder (default .local-data), also LOCAL_DATA_DIR
 *   PORT=3000         HTTP port for webhooks and the REST API
 */
import { LOCAL_DEFAULTS } from '../functions/config.ts';
import { MissingJavaError } from './local-engines.ts';
import { startLocalStack } from './local-stack.ts';

function dataDirFromArgs(argv: string[]): string | undefined {
  const i = argv.indexOf('--persist');
  if (i === -1) return process.env['LOCAL_DATA_DIR'] || undefined;
  const next = argv[i + 1];
  return next && !next.startsWith('--') ? next : '.local-data';
}

async function main(): Promise<void> {
  const dataDir = dataDirFromArgs(process.argv.slice(2));
  const stack = await startLocalStack({ dataDir });
  const apiKey = process.env['API_KEYS'] ? '(from API_KEYS)' : LOCAL_DEFAULTS.API_KEY;
  console.log(
    `ready: webhooks ${stack.url}/webhooks/<twilio|meta|telegram|x|vonage|messagebird|sendgrid|mailgun|postmark|ses> | API ${stack.url}/v1/tickets | health ${stack.url}/health | ` +
      `public URL ${stack.runtime.config.publicBaseUrl} | dev API key ${apiKey} | DynamoDB Local ${stack.endpoints.dynamo} | ` +
      `fauxqs ${stack.endpoints.sqs} | data ${dataDir ?? 'in memory'}`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping (DynamoDB Local, fauxqs, HTTP, worker)...`);
    stack
      .stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        console.error('error while stopping', e);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof MissingJavaError) console.error(e.message);
  else console.error('local stack failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
