import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/dev-server';

/**
 * A step that records its agent (`$PPID`) and its own process group (`$$`), then waits until the test opens
 * its gate: the test can kill the agent mid-step, or the control plane while the step is running.
 */
export class StepGate {
  readonly dir = mkdtempSync(join(tmpdir(), 'slipway-gate-'));

  /** The `run` command for pipeline `<< pipeline.number >>` (one gate per pipeline). */
  command(): string {
    const d = `${this.dir}/<< pipeline.number >>`;
    return `mkdir -p ${d}; echo "$PPID $$" >> ${d}/pids; while [ ! -e ${d}/open ]; do sleep 0.1; done; echo "gate passed"`;
  }

  /** The (agent, step group) pids of every attempt that reached the step so far. */
  attempts(pipeline: number): Array<{ agent: number; step: number }> {
    const file = join(this.dir, String(pipeline), 'pids');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [agent, step] = l.split(' ').map(Number);
        return { agent, step };
      });
  }

  waitForAttempt(pipeline: number, n: number, timeoutMs = 60_000) {
    return waitFor(async () => this.attempts(pipeline)[n - 1], `attempt ${n} of pipeline ${pipeline} to reach the gated step`, timeoutMs);
  }

  open(pipeline: number): void {
    mkdirSync(join(this.dir, String(pipeline)), { recursive: true });
    writeFileSync(join(this.dir, String(pipeline), 'open'), '');
  }

  /** SIGKILL to the agent and to its step's process group (both started by this test's server). */
  kill(attempt: { agent: number; step: number }): void {
    for (const target of [attempt.agent, -attempt.step]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
