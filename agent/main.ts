import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { circleciMain } from './circleci-command';
import { ControlPlaneClient } from './client';
import { ContainerExecutor } from './executors/container';
import { spoolDir } from './executors/spool';
import { runTask } from './run-task';

/**
 * The agent's entry point. Task mode (`task`): run the one task named by SLIPWAY_TASK_TOKEN (or by
 * SLIPWAY_TASK_CODE, a one-time code exchanged for that token first: what Fargate tasks get) against
 * SLIPWAY_URL, then exit 0 (the task's own status goes to the control plane) or 1 when it could not report.
 * `circleci`: the in-job `circleci` command (the script the agent puts on PATH calls back into this mode).
 */
export async function main(argv: string[]): Promise<number> {
  const mode = argv[0] ?? 'task';
  if (mode === 'circleci') return circleciMain(argv.slice(1));
  if (mode === 'standby') {
    // A warm agent (local mode): started ahead of time, it receives its task on stdin when one is assigned,
    // so a job does not wait for Node to start. The token never appears in the process environment. While it
    // waits, it does what every task would do first: finding where step output is spooled probes the spool
    // folder's file system (a `fallocate` child process).
    spoolDir(join(tmpdir(), 'slipway-agent'));
    const line = await firstLine(process.stdin);
    if (!line) return 0;
    let task: { url?: string; token?: string; workRoot?: string };
    try {
      task = JSON.parse(line);
    } catch {
      process.stderr.write('slipway agent: standby expects one JSON line {url, token, workRoot} on stdin.\n');
      return 2;
    }
    return runTaskMode(task.url, task.token, task.workRoot);
  }
  if (mode !== 'task') {
    process.stderr.write(`Unknown agent mode "${mode}". Use: task, standby, circleci\n`);
    return 2;
  }
  return runTaskMode(process.env.SLIPWAY_URL, process.env.SLIPWAY_TASK_TOKEN, process.env.SLIPWAY_WORK_ROOT, process.env.SLIPWAY_TASK_CODE);
}

async function runTaskMode(url: string | undefined, given: string | undefined, workRoot: string | undefined, code?: string): Promise<number> {
  if (!url || !(given || code)) {
    process.stderr.write('The agent needs SLIPWAY_URL and SLIPWAY_TASK_TOKEN (or SLIPWAY_TASK_CODE).\n');
    return 2;
  }
  try {
    const base = url.replace(/\/$/, '');
    // A one-time code (what RunTask overrides carry) becomes the task token with one request.
    const token = given || (await new ControlPlaneClient(base, code!).exchangeCode());
    // As a Fargate sidecar, steps run in the primary container through the shim watching SLIPWAY_SHIM_DIR.
    const shimDir = process.env.SLIPWAY_SHIM_DIR;
    // Asked to stop (a cancel's backstop, ECS stopping the task): the task ends as on a cancel, removing its
    // containers and engine, instead of the process dying with them left behind.
    const stop = new AbortController();
    process.once('SIGTERM', () => stop.abort());
    await runTask({
      stop: stop.signal,
      client: new ControlPlaneClient(base, token),
      workRoot: workRoot ?? join(tmpdir(), 'slipway-agent'),
      executorFactory: shimDir ? () => new ContainerExecutor(shimDir) : undefined,
    });
    return 0;
  } catch (e) {
    process.stderr.write(`slipway agent: ${(e as Error).message}\n`);
    return 1;
  }
}

/** The first line of a stream, or '' when it ends without one. */
function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (v: string) => {
      stream.removeAllListeners('data');
      stream.removeAllListeners('end');
      stream.pause();
      resolve(v);
    };
    stream.setEncoding?.('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    });
    stream.on('end', () => done(buf.trim()));
  });
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
