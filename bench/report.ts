/** Print bench/results/latest.json as the tables the issue asks for: ratios measured side by side in one run. */

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function table(title: string, head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): void {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '–' : String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  cells.forEach((r, k) => {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    if (k === 0) console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  });
}

export function printReport(r: J): void {
  console.log(`bench ${r['when']} · ${r['variant']} · node ${r['node']} · ${r['machine']}`);
  const ing = r['ingest'] as J | undefined;
  if (ing) {
    const o = ing['overhead'] as J;
    table(
      'ingest overhead: webhook → stored p50 ÷ the same DynamoDB/SQS calls made directly (raw floor)',
      ['kind', 'stack p50 ms', 'floor p50 ms', 'ratio', 'round ratios', 'calls (floor groups)'],
      Object.entries(o).map(([k, v]: [string, J]) => [k, v['stackP50Ms'], v['floorP50Ms'], v['ratio'], (v['roundRatios'] as number[]).join(' '), (v['floorGroups'] as string[]).join(' → ')]),
    );
    if (ing['unsettled'] !== undefined) console.log(`timed messages after which the stack was still busy 10 s later (the next one met a busy stack): ${ing['unsettled']} (expected 0)`);
    const w = ing['whereTheTimeGoes'] as J;
    console.log(`where a new ticket's time goes (p50 of ${w['requests']}): e2e ${w['e2eP50Ms']} ms = ${w['inStoreAndQueueCallsP50Ms']} ms inside DynamoDB/SQS calls + ${w['restP50Ms']} ms everything else (share in calls ${w['shareInCalls']})`);
    table(
      `sustained webhooks/s (new-ticket SMS, closed loop) ÷ the floor's rate — target: ${ing['rateTarget']}`,
      ['senders', 'stack /s', 'floor /s', 'ratio', 'stack p99 ms', 'floor p99 ms', 'stack p50 ms'],
      Object.entries(ing['rate'] as J).map(([c, v]: [string, J]) => [c, v['stackPerSec'], v['floorPerSec'], `${v['ratio']}${c === '8' ? (v['ratio'] >= 0.8 ? ' ✓' : ' ✗') : ''}`, v['stackP99Ms'], v['floorP99Ms'], v['stackP50Ms']]),
    );
  }
  const lists = r['lists'] as J | undefined;
  if (lists) {
    const sizes = Object.keys(lists['seedSeconds'] as J);
    const [a, b] = [sizes[0]!, sizes.at(-1)!];
    table(
      `list latency: GET /v1/tickets p50 at ${b} ÷ at ${a} tickets (limit 25)`,
      ['view', `p50 ${a} ms`, `p50 ${b} ms`, 'ratio', 'queries/page', `items read/page (${a}/${b})`, `read units/page (${a}/${b})`],
      (lists['views'] as J[]).map((v) => [
        v['view'],
        v['bySize'][a]['p50Ms'],
        v['bySize'][b]['p50Ms'],
        v['ratio'],
        v['bySize'][b]['queriesPerPage'],
        `${v['bySize'][a]['itemsReadPerPage']}/${v['bySize'][b]['itemsReadPerPage']}`,
        `${v['bySize'][a]['readUnitsPerPage']}/${v['bySize'][b]['readUnitsPerPage']}`,
      ]),
    );
  }
  const rec = r['recovery'] as J | undefined;
  if (rec) {
    table('recovery after a store outage (DynamoDB Local stopped mid-stream)', ['measure', 'value'], [
      ['webhooks accepted (200)', rec['accepted']],
      ['answers', Object.entries(rec['statuses'] as J).map(([k, v]) => `${k}×${v}`).join(' ')],
      ['webhook p50/p99 before (ms)', `${rec['webhookLatency']['before']['p50Ms']} / ${rec['webhookLatency']['before']['p99Ms']}`],
      ['webhook p50/p99 during outage (ms, parked)', `${rec['webhookLatency']['duringOutage']['p50Ms']} / ${rec['webhookLatency']['duringOutage']['p99Ms']}`],
      ['parked on the ingest queue at restart', rec['parkedAtRestart']],
      ['store restart (JVM up) s', rec['storeRestartSeconds']],
      ['all stored', `${rec['allStored']} (${rec['stored']})`],
      ['recovery after store back s', rec['recoverySecondsAfterStoreBack']],
      ['recovery from restart command s', rec['recoverySecondsFromRestart']],
      ['ingest DLQ', rec['ingestDlq']],
    ]);
  }
  const bundles = r['bundles'];
  if (Array.isArray(bundles)) {
    table(
      'bundle size and init per function (bench/bundles.ts)',
      ['function', 'KB parsed at init', 'KB all files', 'init ms (median)', 'first request ms (no I/O)'],
      (bundles as J[]).map((b) => [b['fn'], b['initKb'] ?? b['kb'], b['kb'], b['initMs'], b['firstRequestMs'] ?? '-']),
    );
  } else if (bundles !== undefined) console.log(`\nbundles: ${String(bundles)}`);
  const cold = r['cold'] as J | undefined;
  if (cold && typeof cold === 'object') {
    table(
      'cold starts as deployed: the bundle in a fresh process, then its first request on the local engines (bench/cold.ts)',
      ['function', 'request', 'init ms', 'first request ms', 'cold ms', 'warm ms', 'cold ÷ warm'],
      (['webhook', 'api'] as const).filter((fn) => cold[fn]).map((fn) => [fn, cold[fn]['request'], cold[fn]['initMs'], cold[fn]['firstRequestMs'], cold[fn]['coldMs'], cold[fn]['warmMs'], cold[fn]['coldOverWarm']]),
    );
  }
  const usage = r['usage'] as J | undefined;
  if (usage) {
    table(
      'per message (resources the cost estimate prices; npm run cost)',
      ['channel.stage', 'webhook ms', 'RRU wh/wk', 'WRU wh/wk', 'keys read', 'SQS req', 'worker inv', 'worker ms', 'log B', 'EMF B'],
      Object.entries(usage['perMessage'] as J).map(([k, v]: [string, J]) => [
        k,
        v['webhookMs'],
        `${v['dynamo']['webhookRead']}/${v['dynamo']['workerRead']}`,
        `${v['dynamo']['webhookWrite']}/${v['dynamo']['workerWrite']}`,
        v['dynamo']['keysRead'],
        v['sqs']['requests'],
        v['worker']['invocations'],
        v['worker']['medianMs'],
        v['logBytes'],
        v['emfBytes'],
      ]),
    );
  }
  const rt = r['responseTimes'] as J | undefined;
  if (rt) {
    const s = rt['step'] as J;
    const rep = rt['report'] as J;
    table('response-time figures (bench/response-times.ts)', ['measure', 'at 1 / 1 day', 'at 1,000 / 92 days', 'ratio'], [
      ...Object.entries(s).map(([name, v]: [string, J]) => [`step ${name} (${Object.keys(v['byKind'])[0]})`, `${v['stepNsAt1']} ns`, `${v['stepNsAt1000']} ns`, v['ratio']]),
      ['report query, one group (p50)', `${rep['day1']['p50Ms']} ms`, `${rep['day92']['p50Ms']} ms`, rep['ratio92vs1']],
    ]);
  }
  const pure = r['pure'] as J | undefined;
  if (pure) console.log(`\npure paths: Twilio verify ${pure['twilioVerifyOpsPerSec']} ops/s, normalize ${pure['twilioNormalizeOpsPerSec']} ops/s`);
  const sdk = r['sdk'] as Record<string, J> | undefined;
  if (sdk) {
    const line = (k: string, label: string) => (sdk[k] ? `${label} ${sdk[k]['stockUs']} → ${sdk[k]['leanUs']} µs (${sdk[k]['ratio']}×)` : '');
    console.log(`SDK CPU per call, default options → ours (sdk-lean.ts): ${line('getItem', 'GetItem')}, ${line('transactWrite7', 'TransactWriteItems of 7')}`);
  }
  if (r['memory']) console.log(`memory (bench process, RSS MiB): after warm-up ${r['memory']['rssMiBAfterWarmUp']}, at end ${r['memory']['rssMiBAtEnd']}`);
  console.log(`bench took ${r['benchSeconds']} s`);
}
