import { spawnSync } from 'node:child_process';
import type { RequestSnapshot } from '../shared/adapters/aws/request-counter';
import type { BenchRuntime } from './bench-runtime';
import { partitionFigures } from './partition-rate';
import { profileCosts } from './profile';
import { figure, type Figure } from './report';
import { median, percentile, repeat, round } from './stats';

export interface ControlPlaneSizes {
  runs: number;
  fanOutJobs: number;
  concurrentPipelines: number;
  referenceSeconds: number;
  referenceJobs: number;
}

const NOOP = `version: 2.1
jobs:
  noop:
    machine: true
    steps:
      - run: "true"
workflows:
  main:
    jobs: [noop]
`;

function fanOut(jobs: number): string {
  const fans = Array.from({ length: jobs - 2 }, (_, i) => `fan-${i + 1}`);
  const job = (n: string) => `  ${n}:\n    machine: true\n    steps:\n      - run: "true"`;
  return `version: 2.1
jobs:
${['start', ...fans, 'end'].map(job).join('\n')}
workflows:
  main:
    jobs:
      - start
${fans.map((f) => `      - ${f}: { requires: [start] }`).join('\n')}
      - end:
          requires: [${fans.join(', ')}]
`;
}

const sum = (ops: Record<string, number> | undefined, pick: RegExp) => Object.entries(ops ?? {}).reduce((n, [op, c]) => n + (pick.test(op) ? c : 0), 0);
const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;
const READS = /^(GetItem|Query|Scan|BatchGetItem|TransactGetItems)$/;

/**
 * Trigger → first step running and → workflow finished for a no-op job, real host agent, one at a time, beside
 * the floor every host job would pay: starting the agent process alone, measured in the same run. The runtime
 * hands each task to a standby agent started beforehand, so no process start lies on the way to the first
 * step: all of that time is the control plane's share (with the agent's own handling of the task), and nothing
 * is subtracted from it.
 */
export async function overheadFigures(rt: BenchRuntime, runs: number): Promise<Figure[]> {
  rt.setMode('real');
  const slug = await rt.addProject('noop', { main: NOOP });
  const one = async () => {
    const p = await rt.trigger(slug);
    // Watched through the bench's own store reads, a few times a second: the runtime's event loop serves the
    // measured job, not the watching. The times come from what the runtime recorded, not from when they are seen.
    const statuses = await rt.finishedUncounted(p.id, 60_000, 200);
    if (statuses.some((s) => s !== 'success')) throw new Error(`the no-op job ended ${statuses.join(', ')}`);
    const { workflows, jobs } = await rt.finished(p.id, 10_000);
    const [vcs, org, repo] = slug.split('/');
    const detail = await rt.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${jobs[0].job_number}`);
    const firstStep = Math.min(...detail.steps.flatMap((s: any) => s.actions.map((a: any) => Date.parse(a.start_time))));
    const created = Date.parse(p.created_at);
    return { firstStep: firstStep - created, finished: Date.parse(workflows[0].stopped_at) - created };
  };
  const samples = await repeat(runs, 2, one);
  // Where the runtime's time goes, over more runs of the same job (not measured above: sampling costs time).
  const profiled = Math.min(runs, 5);
  const costs = await profileCosts(() => repeat(profiled, 0, one));
  // The floor any host job pays: starting the agent process (Node + its bundle, as the runtime starts it) until
  // it exits, in task mode without a task (it says so and exits 2).
  const floor = await repeat(runs, 1, async () => {
    const t = performance.now();
    const r = spawnSync('/bin/sh', ['-c', 'exec "$@" task 2>/dev/null', 'sh', ...rt.agentCommand], { env: { PATH: process.env.PATH } });
    if (r.status !== 2) throw new Error(`the agent alone (${rt.agentCommand.join(' ')}) exited ${r.status}, not 2 (no task)`);
    return performance.now() - t;
  });
  const first = samples.map((s) => s.firstStep);
  const done = samples.map((s) => s.finished);
  const base = median(floor);
  const total = median(first);
  const baselineLabel = 'agent process start';
  const note = `${runs} sequential runs after 2 warm-ups; timestamps from the API (pipeline created_at, first step action start_time, workflow stopped_at), the pipeline watched through the bench's own store reads every 200 ms. Baseline: starting the host agent process alone (Node + agent bundle, as the runtime starts it, in task mode without a task), median of ${runs} starts in the same run. Each task goes to a standby agent started before it was dispatched, so no process start lies between trigger and first step: the control plane's share is the whole of it (p50 ${round(total)} ms); the agent process start, had it been on that path, would have added ${round(base)} ms. Profile of the runtime process (handlers, pollers, emulators; the agents are other processes) over ${profiled} more runs, top three by self time: ${costs.map((c, i) => `${i + 1}. ${c.what} (${c.ms} ms, ${Math.round(c.share * 100)}% of its busy time)`).join('; ')}.`;
  const informational = (name: string, values: number[], p: number) =>
    figure({ group: 'control-plane overhead', figure: name, unit: 'ms', slipway: percentile(values, p), baseline: base, baselineLabel, target: '-' });
  return [
    figure({
      group: 'control-plane overhead',
      figure: "control plane's share of trigger → first step running, p50",
      unit: 'ms',
      slipway: total,
      baseline: base,
      baselineLabel,
      target: '≤ 1.0x the agent process start',
      pass: total <= base,
      note,
    }),
    informational('trigger → first step running, p95', first, 95),
    informational('trigger → workflow finished, p50', done, 50),
    informational('trigger → workflow finished, p95', done, 95),
  ];
}

async function runWorkflow(rt: BenchRuntime, slug: string, jobs: number): Promise<{ ms: number; snap: RequestSnapshot; pipelineState: string }> {
  rt.counter.reset();
  const t = performance.now();
  const p = await rt.trigger(slug);
  const done = await rt.finished(p.id, 3600_000, 500);
  const ms = performance.now() - t;
  if (done.jobs.length !== jobs || done.jobs.some((j) => j.status !== 'success')) throw new Error(`fan-out workflow of ${jobs} jobs did not succeed`);
  return { ms, snap: rt.counter.snapshot(), pipelineState: (await rt.api('GET', `/api/v2/pipeline/${p.id}`)).state };
}

/** A 1,000-job fan-out/fan-in workflow: total time (and linearity against a tenth of it), store and queue requests per job. */
export async function fanOutFigures(rt: BenchRuntime, jobs: number): Promise<Figure[]> {
  rt.setMode('inline');
  const small = Math.max(10, Math.round(jobs / 10));
  const smallSlug = await rt.addProject(`fanout-${small}`, { main: fanOut(small) });
  const bigSlug = await rt.addProject(`fanout-${jobs}`, { main: fanOut(jobs) });
  const tenth = await runWorkflow(rt, smallSlug, small);
  const full = await runWorkflow(rt, bigSlug, jobs);
  const s = full.snap;
  const writes = sum(s.requests.DynamoDB, WRITES) / jobs;
  const reads = sum(s.requests.DynamoDB, READS) / jobs;
  const sends = sum(s.requests.SQS, /^SendMessage/) / jobs;
  const sqsBilled = (s.sqsStandardChunks + s.sqsFifoChunks) / jobs;
  const smallWrites = sum(tenth.snap.requests.DynamoDB, WRITES) / small;
  // A workflow's own writes do not grow with its jobs: what one more job costs is the difference of the two runs.
  const marginalWrites = (sum(s.requests.DynamoDB, WRITES) - sum(tenth.snap.requests.DynamoDB, WRITES)) / (jobs - small);
  const ops = (svc: string) =>
    Object.entries(s.requests[svc] ?? {})
      .map(([op, c]) => `${op} ${round(c / jobs)}`)
      .join(', ');
  return [
    figure({
      group: `${jobs}-job fan-out/fan-in`,
      figure: 'total time',
      unit: 's',
      slipway: full.ms / 1000,
      baseline: (tenth.ms / 1000) * (jobs / small),
      baselineLabel: `${small} jobs × ${jobs / small} (linear)`,
      target: 'linear (ratio ≈ 1)',
      pass: full.ms / ((tenth.ms * jobs) / small) <= 1.5,
      note: `Jobs driven by the in-process protocol driver (the agent's request sequence, ≤ 24 at a time): 1,000 agent processes do not fit a 2-core machine. Per job: DynamoDB ${ops('DynamoDB')}; SQS ${ops('SQS')}.${full.pipelineState === 'created' ? '' : ` The pipeline ended \`${full.pipelineState}\`, not \`created\`: storing its compiled plan failed (see the runtime log), and the workflow advanced only when the reconciler nudged it (up to a cron period later), which is included in the time.`}`,
    }),
    figure({
      group: `${jobs}-job fan-out/fan-in`,
      figure: 'store writes per job',
      unit: '',
      slipway: marginalWrites,
      baseline: writes,
      baselineLabel: 'all writes of the run ÷ jobs',
      target: '≤ 4',
      pass: marginalWrites <= 4,
      note: `What each job adds: the ${jobs}-job workflow's store writes less the ${small}-job workflow's, over the ${jobs - small} jobs between them (created, queued, started, finished). All writes of the ${jobs}-job run over its jobs: ${round(writes, 3)}; the rest is the workflow's own (pipeline created and updated, workflow created and ended, the pipeline counter, job-number blocks): ${round(sum(s.requests.DynamoDB, WRITES) - marginalWrites * jobs)} writes for the whole workflow. The ${small}-job workflow: ${round(smallWrites, 3)} per job.`,
    }),
    figure({
      group: `${jobs}-job fan-out/fan-in`,
      figure: 'store reads per job',
      unit: '',
      slipway: reads,
      baseline: sum(tenth.snap.requests.DynamoDB, READS) / small,
      baselineLabel: `${small}-job workflow`,
      target: '-',
    }),
    figure({
      group: `${jobs}-job fan-out/fan-in`,
      figure: 'queue messages sent per job',
      unit: '',
      slipway: sends,
      baseline: sum(tenth.snap.requests.SQS, /^SendMessage/) / small,
      baselineLabel: `${small}-job workflow`,
      target: '-',
    }),
    figure({
      group: `${jobs}-job fan-out/fan-in`,
      figure: 'SQS billed requests per job',
      unit: '',
      slipway: sqsBilled,
      baseline: (tenth.snap.sqsStandardChunks + tenth.snap.sqsFifoChunks) / small,
      baselineLabel: `${small}-job workflow`,
      target: '-',
    }),
    ...partitionFigures(s, jobs),
  ];
}

/** 500 concurrent single-job pipelines: completion time and peak memory of the runtime process. */
export async function concurrencyFigures(rt: BenchRuntime, count: number): Promise<Figure[]> {
  rt.setMode('inline');
  const slug = await rt.addProject('concurrent', { main: NOOP });
  const alone = median(
    await repeat(3, 1, async () => {
      const t = performance.now();
      await rt.finished((await rt.trigger(slug)).id, 60_000, 20);
      return performance.now() - t;
    }),
  );
  global.gc?.();
  const idleRss = process.memoryUsage().rss;
  let peak = idleRss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const startCompleted = rt.completed;
  const t = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i += 25) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => rt.trigger(slug)))).map((p) => p.id));
  }
  const deadline = Date.now() + 3600_000;
  while (rt.completed - startCompleted < count || (await rt.store.listActiveWorkflows()).length > 0) {
    if (Date.now() > deadline) throw new Error(`${count} pipelines did not finish within an hour`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const ms = performance.now() - t;
  clearInterval(sampler);
  const failed = (await Promise.all(ids.slice(0, 20).map((id) => rt.finished(id, 10_000)))).filter((o) => o.jobs[0]?.status !== 'success').length;
  if (failed) throw new Error(`${failed} of the sampled concurrent pipelines did not succeed`);
  return [
    figure({
      group: `${count} concurrent pipelines`,
      figure: 'completion time',
      unit: 's',
      slipway: ms / 1000,
      baseline: alone / 1000,
      baselineLabel: 'one pipeline alone',
      target: '-',
      note: `Triggered 25 at a time through the API; jobs driven by the in-process protocol driver (≤ 24 at a time).`,
    }),
    figure({
      group: `${count} concurrent pipelines`,
      figure: 'peak RSS of the runtime process',
      unit: 'MB',
      slipway: peak / 1e6,
      baseline: idleRss / 1e6,
      baselineLabel: 'idle runtime',
      target: '-',
      note: 'One process holds the handlers, pollers, emulators (dynalite, fauxqs, s3rver) and the bench driver.',
    }),
  ];
}
