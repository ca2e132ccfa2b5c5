import type { JobProgress, RunProgress } from './watch';

/** What the run reports at the end, per job. */
export interface JobSummary {
  workflow: string;
  job: string;
  status: string;
  durationSeconds?: number;
  /** Folder the job's artifacts were saved to. */
  artifacts?: string;
  /** File the job's test results were saved to. */
  testResults?: string;
  /** Every step of every task, with its status. */
  steps: Array<{ name: string; task: number; status: string }>;
  failedSteps: Array<{ name: string; task: number; output: string }>;
}

export interface RunSummary {
  pipeline: { id: string; number: number; state: string; errors: string[] };
  revision: string;
  dirty: boolean;
  dataDir: string;
  workflows: Array<{ name: string; status: string }>;
  jobs: JobSummary[];
  exitCode: number;
}

/** How a run talks to its user: progress while it runs, failed output as it happens, the summary at the end. */
export interface RunView {
  note(line: string): void;
  update(progress: RunProgress): void;
  failed(job: JobSummary): void;
  finish(summary: RunSummary): void;
}

const TERMINAL = new Set(['success', 'failed', 'canceled', 'not_run', 'unauthorized', 'timedout', 'infrastructure_fail', 'terminated-unknown']);
const seconds = (from?: string, to?: string) => (from ? Math.max(0, ((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000) : undefined);
export const formatDuration = (s: number | undefined) =>
  s === undefined ? '-' : s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
const label = (j: { workflow: string; name?: string; job?: string }) => `${j.workflow}/${j.name ?? j.job}`;

function failedText(job: JobSummary): string {
  return job.failedSteps
    .map(
      (s) =>
        `--- ${job.workflow}/${job.job}${s.task ? ` [${s.task}]` : ''}: step "${s.name}" failed ---\n${s.output.endsWith('\n') || !s.output ? s.output : `${s.output}\n`}`,
    )
    .join('');
}

/** The final table: job, status, duration, artifacts. */
export function summaryTable(summary: RunSummary): string {
  const rows = [
    ['JOB', 'STATUS', 'DURATION', 'ARTIFACTS'],
    ...summary.jobs.map((j) => [label(j), j.status, formatDuration(j.durationSeconds), j.artifacts ?? '-']),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
  const tests = summary.jobs.filter((j) => j.testResults).map((j) => `test results of ${label(j)}: ${j.testResults}`);
  const errors = summary.pipeline.errors.map((e) => `error: ${e}`);
  const verdict =
    summary.exitCode === 0
      ? 'All selected workflows succeeded.'
      : `Failed: ${
          summary.workflows
            .filter((w) => w.status !== 'success')
            .map((w) => `${w.name} (${w.status})`)
            .join(', ') || summary.pipeline.state
        }.`;
  return `${[...errors, ...lines, ...tests, verdict].join('\n')}\n`;
}

/** Plain line-by-line output (stdout is not a terminal, e.g. CI logs): one line per change. */
export function plainView(write: (s: string) => void): RunView {
  const seen = new Map<string, string>();
  return {
    note: (line) => write(`${line}\n`),
    update(progress) {
      for (const j of progress.jobs) {
        const key = `${j.status}|${TERMINAL.has(j.status) ? '' : (j.step ?? '')}`;
        if (seen.get(j.id) === key) continue;
        seen.set(j.id, key);
        const step = j.status === 'running' && j.step ? `: ${j.step}` : '';
        const took = TERMINAL.has(j.status) ? ` (${formatDuration(seconds(j.startedAt, j.stoppedAt))})` : '';
        write(`[${label(j)}] ${j.status}${step}${took}\n`);
      }
    },
    failed: (job) => write(failedText(job)),
    finish: (summary) => write(`\n${summaryTable(summary)}`),
  };
}

/** Nothing while running; the summary as JSON at the end (`--json`). */
export function jsonView(write: (s: string) => void): RunView {
  return { note: () => undefined, update: () => undefined, failed: () => undefined, finish: (summary) => write(`${JSON.stringify(summary, null, 2)}\n`) };
}

type LogUpdate = ((...text: string[]) => void) & { clear(): void; done(): void };

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<string, string> = { success: '✔', failed: '✖', canceled: '⊘', not_run: '·', on_hold: '⏸', blocked: '…', queued: '…' };

/** One line per active job (current step, elapsed time), redrawn in place; finished jobs scroll above it. */
export async function liveView(stream: NodeJS.WriteStream): Promise<RunView> {
  const { createLogUpdate } = (await import('log-update')) as unknown as {
    createLogUpdate: (s: NodeJS.WriteStream, o?: { showCursor?: boolean }) => LogUpdate;
  };
  const update = createLogUpdate(stream);
  const printed = new Set<string>();
  let frame = 0;
  let last: RunProgress | undefined;
  const above = (text: string) => {
    update.clear();
    stream.write(text);
  };
  const render = () => {
    if (!last) return;
    frame++;
    const width = Math.max(0, ...last.jobs.map((j) => label(j).length));
    const active = last.jobs.filter((j) => !TERMINAL.has(j.status));
    update(
      active
        .map((j) => {
          const mark = j.status === 'running' ? SPINNER[frame % SPINNER.length] : (MARK[j.status] ?? ' ');
          const detail =
            j.status === 'running'
              ? `${j.step ?? 'starting'}  ${formatDuration(seconds(j.startedAt))}${j.parallelism > 1 ? `  ×${j.parallelism}` : ''}`
              : j.status.replace('_', ' ');
          return `${mark} ${label(j).padEnd(width)}  ${detail}`;
        })
        .join('\n'),
    );
  };
  const timer = setInterval(render, 100);
  timer.unref();
  return {
    note: (line) => above(`${line}\n`),
    update(progress: RunProgress) {
      last = progress;
      for (const j of progress.jobs.filter((x: JobProgress) => TERMINAL.has(x.status) && !printed.has(x.id))) {
        printed.add(j.id);
        above(`${MARK[j.status] ?? ' '} ${label(j)}  ${j.status}  ${formatDuration(seconds(j.startedAt, j.stoppedAt))}\n`);
      }
      render();
    },
    failed: (job) => above(failedText(job)),
    finish(summary) {
      clearInterval(timer);
      update.clear();
      update.done();
      stream.write(`\n${summaryTable(summary)}`);
    },
  };
}
