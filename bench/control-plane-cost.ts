import { functionSizesFromTemplate } from '../infra/lib/function-sizes';
import { IDLE_ASSUMPTIONS } from '../infra/lib/idle-cost';
import { synthesizeTemplate } from '../infra/lib/synth-template';
import type { RequestSnapshot } from '../shared/adapters/aws/request-counter';
import type { BenchRuntime } from './bench-runtime';
import type { ControlPlaneSizes } from './control-plane';
import { figure, type Figure } from './report';
import { round } from './stats';

/** DESIGN §8's reference job: checkout + 3 run steps over `seconds`, ~200 KB of output, a 10 MB cache restore, one artifact, one test-results file. */
function reference(seconds: number): { seed: string; main: string } {
  const slice = seconds / 3 / 20;
  const print = `for i in $(seq 1 20); do head -c 3400 /dev/zero | tr '\\\\0' x | fold -w 99; echo; sleep ${slice.toFixed(2)}; done`;
  return {
    seed: `version: 2.1
jobs:
  seed:
    machine: true
    steps:
      - run: head -c 10485760 /dev/urandom > cache.bin
      - save_cache: { key: reference-v1, paths: [cache.bin] }
workflows:
  main:
    jobs: [seed]
`,
    main: `version: 2.1
jobs:
  reference:
    machine: true
    steps:
      - checkout
      - restore_cache: { keys: [reference-v1] }
      - run: ${JSON.stringify(`${print}; echo report > artifact.txt`)}
      - run: ${JSON.stringify(print)}
      - run: ${JSON.stringify(`${print}; mkdir -p results && printf '<testsuite name="s"><testcase name="t" classname="c" time="0.1"/></testsuite>' > results/junit.xml`)}
      - store_artifacts: { path: artifact.txt }
      - store_test_results: { path: results }
workflows:
  main:
    jobs: [reference]
`,
  };
}

/** Requests and list-price dollars per 1,000 reference jobs, run by the real agent through the real handlers. */
export async function costFigures(rt: BenchRuntime, sizes: ControlPlaneSizes): Promise<Figure[]> {
  rt.setMode('real');
  const configs = reference(sizes.referenceSeconds);
  const slug = await rt.addProject('reference', { main: configs.main, seed: configs.seed });
  await rt.finished((await rt.trigger(slug, 'seed')).id, 300_000, 250);
  const before = await rt.objectKeys();
  rt.counter.reset();
  const pipelines = await Promise.all(Array.from({ length: sizes.referenceJobs }, () => rt.trigger(slug)));
  // Watched through the bench's uncounted clients: polling the API would bill the watching to the jobs.
  for (const p of pipelines) {
    const [status] = await rt.finishedUncounted(p.id, (sizes.referenceSeconds + 120) * 1000);
    if (status !== 'success') throw new Error(`reference job ended ${status}`);
  }
  // The agents transfer through presigned URLs, and presigning runs through the SDK middleware, so the counter
  // sees one PutObject/GetObject per URL handed out (16 per log-urls call), used or not. Billed S3 PUTs are the
  // objects actually written; each presigned GET handed out (cache restore, workspace) is taken as one GET.
  const after = await rt.objectKeys();
  const created = [...after.keys()].filter((k) => !before.has(k));
  const raw = rt.counter.snapshot();
  const presignedPuts = raw.requests.S3?.PutObject ?? 0;
  const snap: RequestSnapshot = { ...raw, requests: { ...raw.requests, S3: { ...raw.requests.S3, PutObject: created.length } } };
  const n = sizes.referenceJobs;
  const perJob = (Object.values(snap.requests).reduce((a, ops) => a + Object.values(ops).reduce((x, y) => x + y, 0), 0) + snap.httpApiRequests) / n;
  // Each function's measured time is priced at the memory the CDK app gives it, read from the synthesized template.
  const template = synthesizeTemplate();
  const fnSizes = functionSizesFromTemplate(template);
  const breakdown = rt.counter.priceBreakdownUsd(snap, fnSizes);
  const usd = (rt.counter.priceUsd(snap, fnSizes) / n) * 1000;
  // Baseline: the same job with an unbatched agent (one S3 PUT per second of step output, DESIGN §8).
  const logPuts = created.filter((k) => k.startsWith('logs/')).length / n;
  const byPrefix = new Map<string, number>();
  for (const k of created) byPrefix.set(k.split('/')[0], (byPrefix.get(k.split('/')[0]) ?? 0) + 1);
  const objects = [...byPrefix].map(([prefix, c]) => `${prefix}/ ${round(c / n, 1)}`).join(', ');
  const naive = usd + (((sizes.referenceSeconds - logPuts) * 0.005) / 1000) * 1000;
  const parts = Object.entries(breakdown)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} $${round((v / n) * 1000, 4)}`)
    .join(', ');
  const counts = Object.entries(snap.requests)
    .map(
      ([svc, ops]) =>
        `${svc}: ${Object.entries(ops)
          .map(([op, c]) => `${op} ${round(c / n, 1)}`)
          .join(', ')}`,
    )
    .join('; ');
  return [
    figure({
      group: 'control-plane cost',
      figure: 'AWS requests per reference job',
      unit: '',
      slipway: perJob,
      baseline: perJob - logPuts + sizes.referenceSeconds,
      baselineLabel: 'agent with per-second log PUTs',
      target: '-',
      pass: null,
      note: `Per job: ${counts} (S3 PutObject = objects written, by prefix: ${objects}; ${round(presignedPuts / n, 1)} PUT URLs presigned); API Gateway ${round(snap.httpApiRequests / n, 1)} (${Object.entries(
        snap.httpApiRoutes,
      )
        .sort((a, b) => b[1] - a[1])
        .map(([r, c]) => `${r} ${round(c / n, 1)}`)
        .join(
          ', ',
        )}); Lambda invocations ${round(snap.lambdaInvocations / n, 1)} (local pollers hand one SQS batch per invocation). ${n} reference jobs of ${sizes.referenceSeconds} s (checkout, 10 MB cache restore, 3 run steps printing ~200 KB, one artifact, one JUnit file) run concurrently by the real host agent; pipeline trigger/compile/workflow overhead included.`,
    }),
    figure({
      group: 'control-plane cost',
      figure: 'USD per 1,000 reference jobs',
      unit: '$',
      slipway: round(usd, 4),
      baseline: round(naive, 4),
      baselineLabel: 'agent with per-second log PUTs',
      target: '≤ $0.10',
      pass: usd <= 0.1,
      note: `us-east-1 list prices (shared/adapters/aws/request-pricing.ts): ${parts}. ${measuredNote(snap, n, fnSizes, template)} Storage and data transfer excluded.`,
    }),
  ];
}

/** What the cost figure measured rather than assumed: handler time per function, DynamoDB units, empty receives. */
function measuredNote(snap: RequestSnapshot, n: number, fnSizes: ReturnType<typeof functionSizesFromTemplate>, template: Record<string, unknown>): string {
  const lambda = Object.entries(snap.invocations)
    .map(([fn, t]) => `${fn} ${round(t.count / n, 1)} × ${round(t.ms / t.count, 1)} ms at ${fnSizes[fn]?.memoryMb} MB`)
    .join(', ');
  const writes = Object.entries(snap.requests.DynamoDB ?? {})
    .filter(([op]) => /^(Put|Update|Delete|BatchWrite)/.test(op))
    .reduce((a, [, c]) => a + c, 0);
  const receives = Object.entries(snap.sqsReceivesByQueue)
    .map(([q, r]) => `${q.replace(/^slipway-/, '')} ${round(r.empty / n, 1)} of ${round(r.receives / n, 1)}`)
    .join(', ');
  const resources = Object.values((template.Resources ?? {}) as Record<string, { Type: string }>);
  const mappings = resources.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping').length;
  const idlePerHour = mappings * IDLE_ASSUMPTIONS.sqsReceivesPerQueuePerMinute * 60;
  return (
    `Lambda (arm64, measured wall time inside each handler per invocation, billed per started ms, memory from the synthesized template), per job: ${lambda}. ` +
    `DynamoDB by item size as the table reports it: ${round(snap.dynamoWriteUnits / n, 1)} write units per job for ${round(writes / n, 1)} writes (${round(snap.dynamoIndexWriteUnits / n, 1)} of them index updates), ${round(snap.dynamoReadUnits / n, 1)} read units. ` +
    `SQS empty receives per job, measured from the local pollers (empty of all receives, by queue): ${receives}; priced as measured (the local pollers long-poll 20 s as Lambda's do, with 1–2 loops per queue where Lambda starts 5: idle pollers' empty receives are in the idle cost). ` +
    `Idle, the ${mappings} event source mappings poll ${idlePerHour.toLocaleString('en-US')} empty receives an hour (5 pollers per queue, 20 s long polls), priced in the idle cost figures.`
  );
}
