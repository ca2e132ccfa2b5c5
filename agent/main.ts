import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { circleciMain } from './circleci-command';
import { ControlPlaneClient } from './client';
import { ContainerExecutor } from './executors/container';
import { runTask } from './run-task';

/**
 * The agent's entry point. Task mode (`task`): run the one task named by SLIPWAY_TASK_TOKEN against
 * SLIPWAY_URL, then exit 0 (the task's own status goes to the control plane) or 1 when it could not report.
 * `circleci`: the in-job `circleci` command (the script the agent puts on PATH calls back into this mode).
 */
export async function main(argv: string[]): Promise<number> {
  const mode = argv[0] ?? 'task';
  if (mode === 'circleci') return circleciMain(argv.slice(1));
  if (mode !== 'task') {
    process.stderr.write(`Unknown agent mode "${mode}". Use: task, circleci\n`);
    return 2;
  }
  const url = process.env.SLIPWAY_URL;
  const token = process.env.SLIPWAY_TASK_TOKEN;
  if (!url || !token) {
    process.stderr.write('The agent needs SLIPWAY_URL and SLIPWAY_TASK_TOKEN.\n');
    return 2;
  }
  try {
    // As a Fargate sidecar, steps run in the primary container through the shim watching SLIPWAY_SHIM_DIR.
    const shimDir = process.env.SLIPWAY_SHIM_DIR;
    await runTask({
      client: new ControlPlaneClient(url.replace(/\/$/, ''), token),
      workRoot: process.env.SLIPWAY_WORK_ROOT ?? join(tmpdir(), 'slipway-agent'),
      executorFactory: shimDir ? () => new ContainerExecutor(shimDir) : undefined,
    });
    return 0;
  } catch (e) {
    process.stderr.write(`slipway agent: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
