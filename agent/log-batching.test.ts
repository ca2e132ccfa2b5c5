import { INLINE_OUTPUT_JOB_MAX_BYTES, type StepReport } from '../shared/model/job-spec';
import { PresignedLogSink, StepLogStream } from './log-stream';
import { previewFirstOutput } from './run-task';
import { SecretMasker } from './mask';
import { StepReporter, type LogUrlRequest, type ReportApi } from './step-reporter';
import { FakeClock } from '../test/support/fake-clock';

/**
 * The control plane and S3, counting requests (the agent's true external edges). Its replies say `live`
 * while someone watches the job: before `watchedUntil`.
 */
function fakeControlPlane(clock: FakeClock, watchedUntil: number) {
  const counts = { steps: 0, heartbeat: 0, logUrls: 0, urlsWithReports: 0, puts: 0 };
  /** When each step's output was first visible: its first preview in a report, or its first chunk. */
  const previews: Array<{ at: number; step: number; bytes: number }> = [];
  const puts: Array<{ at: number; step: number; bytes: number }> = [];
  const reportsAt: number[] = [];
  const reply = () => (reportsAt.push(clock.now()), clock.now() < watchedUntil ? { cancel: false, live: true } : { cancel: false });
  const urls = (r: LogUrlRequest) => Array.from({ length: r.count }, (_, i) => `s3://logs/${r.step}/${r.from + i}`);
  const api: ReportApi = {
    steps: async (steps: StepReport[], logUrls?: LogUrlRequest) => {
      counts.steps++;
      for (const r of steps) {
        if (r.status === 'running' && r.output !== undefined && !previews.some((p) => p.step === r.index))
          previews.push({ at: clock.now(), step: r.index, bytes: Buffer.byteLength(r.output) });
      }
      if (logUrls) counts.urlsWithReports++;
      return { ...reply(), ...(logUrls ? { logUrls: urls(logUrls) } : {}) };
    },
    heartbeat: async () => (counts.heartbeat++, reply()),
    logUrls: async (step, from, count) => (counts.logUrls++, urls({ step, from, count })),
  };
  const put = async (url: string, body: Buffer) => {
    counts.puts++;
    puts.push({ at: clock.now(), step: Number(url.split('/')[3]), bytes: body.length });
    return 200;
  };
  return { api, put, counts, puts, reportsAt, previews };
}

/**
 * The reference job (DESIGN.md §8): checkout + 3 `run` steps, 60 s, about 200 KB of output, printed in
 * 100 ms ticks as the steps run, through the agent's real reporter, log streams and sink, wired as `runTask`
 * wires them (replies saying `live` switch the current and later steps' streams). Watched until `watchedUntil`.
 */
async function runReferenceJob(watchedUntil = 0) {
  const clock = new FakeClock();
  const cp = fakeControlPlane(clock, watchedUntil);
  const watching = { live: false, log: undefined as StepLogStream | undefined };
  const onLive = (live: boolean) => {
    watching.live = live;
    watching.log?.setLive(live);
  };
  const reporter = new StepReporter(cp.api, { heartbeatMs: 15_000, delayMs: 2000, onCancel: () => undefined, onLive, timers: clock });
  const sink = new PresignedLogSink((step, from, count) => reporter.logUrls(step, from, count), cp.put);
  const steps = [
    { name: 'Checkout code', seconds: 2, bytes: 2_000 },
    { name: 'npm ci', seconds: 20, bytes: 66_000 },
    { name: 'build', seconds: 18, bytes: 66_000 },
    { name: 'test', seconds: 20, bytes: 66_000 },
  ];
  const budget = { reporter, sink, inlineBudget: INLINE_OUTPUT_JOB_MAX_BYTES };
  let written = 0;
  const firstOutputAt: number[] = [];
  for (const [index, s] of steps.entries()) {
    const report: StepReport = { index, name: s.name, type: 'run', status: 'running', startedAt: new Date(clock.now()).toISOString() };
    reporter.update(report);
    const log = new StepLogStream(index, sink, new SecretMasker(['hunter22']), {}, clock);
    // As runTask wires it: the first output, while nobody watches, goes as a preview with the URL request.
    const release = previewFirstOutput(log, report, budget);
    log.setLive(watching.live);
    watching.log = log;
    const ticks = s.seconds * 10;
    firstOutputAt.push(clock.now());
    for (let t = 0; t < ticks; t++) {
      const line = Buffer.alloc(Math.round(s.bytes / ticks), 'x');
      log.write(line);
      written += line.length;
      await clock.advance(100);
    }
    await log.close();
    release();
    reporter.update({
      ...report,
      status: 'success',
      stoppedAt: new Date(clock.now()).toISOString(),
      outputBytes: log.bytes,
      ...(log.inline !== undefined && { output: log.inline }),
    });
    if (log.inline !== undefined) written -= Buffer.byteLength(log.inline);
  }
  await clock.advance(2000);
  reporter.stop();
  return { ...cp, written, firstOutputAt, seconds: clock.now() / 1000 };
}

describe('log upload batching', () => {
  it('uploads the reference 60 s job in a chunk per step, shows each step within a second, and fetches URLs with step reports', async () => {
    const job = await runReferenceJob();
    expect(job.seconds).toBeGreaterThanOrEqual(60);
    // Each step's first second of output goes as a preview in a report (a viewer sees it at once); the
    // checkout's whole output (2 KB) in its final report; each run step's in one chunk at its end: 3 S3 PUTs.
    expect(job.counts.puts).toBe(3);
    expect(job.puts.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(job.puts.reduce((n, p) => n + p.bytes, 0)).toBe(job.written);
    for (const [step, at] of job.firstOutputAt.entries()) {
      const preview = job.previews.find((p) => p.step === step)!;
      expect(preview.at - at).toBeLessThanOrEqual(1000);
      expect(preview.bytes).toBeGreaterThan(0);
    }
    // Log URLs came with step reports (the preview's): no request of their own.
    expect(job.counts.logUrls).toBe(0);
    expect(job.counts.urlsWithReports).toBe(4);
    // Step reports (which double as heartbeats) and bare heartbeats together: a few per step.
    expect(job.counts.steps + job.counts.heartbeat).toBeLessThanOrEqual(10);
  });

  it('uploads at least every ~2 s and reports every ~2.5 s while watched, and batches again once nobody watches', async () => {
    const watchedUntil = 30_000;
    const job = await runReferenceJob(watchedUntil);
    expect(job.puts.reduce((n, p) => n + p.bytes, 0)).toBe(job.written);
    // The agent learns of the viewer with its first report (the first log URLs, 1 s in): from then on live.
    const watched = job.puts.filter((p) => p.at >= 1000 && p.at <= watchedUntil);
    for (let i = 1; i < watched.length; i++) expect(watched[i].at - watched[i - 1].at).toBeLessThanOrEqual(2000);
    expect(watched.length).toBeGreaterThanOrEqual(14);
    const reports = job.reportsAt.filter((at) => at <= watchedUntil);
    for (let i = 1; i < reports.length; i++) expect(reports[i] - reports[i - 1]).toBeLessThanOrEqual(2500);
    // The viewer left: the next reply says so, and the last step (40-60 s) costs one chunk again (its first
    // second went as a preview).
    const after = job.puts.filter((p) => p.at > watchedUntil + 2500);
    expect(after.filter((p) => p.step === 3).map((p) => p.at)).toEqual([60_000]);
    expect(job.previews.find((p) => p.step === 3)?.at).toBe(41_000);
    expect(job.reportsAt.filter((at) => at > watchedUntil + 2500).length).toBeLessThanOrEqual(5);
  });

  it('waits longer between chunks of a slow trickle, and flushes at 4 MiB without waiting', async () => {
    const clock = new FakeClock();
    const chunks: Array<{ at: number; bytes: number }> = [];
    const log = new StepLogStream(
      0,
      { upload: async (_s, _q, body) => void chunks.push({ at: clock.now(), bytes: body.length }) },
      new SecretMasker([]),
      {},
      clock,
    );
    for (let s = 0; s < 90; s++) {
      log.write('a line of slow output\n');
      await clock.advance(1000);
    }
    // First after 1 s; then less than 64 KiB pending: every 30 s instead of 15 s.
    expect(chunks.map((c) => c.at)).toEqual([1000, 31_000, 61_000]);
    log.write(Buffer.alloc(4 * 1024 * 1024, 'y'));
    await clock.advance(0);
    expect(chunks).toHaveLength(4);
    expect(chunks[3].at).toBe(90_000);
    await log.close();
  });
});
