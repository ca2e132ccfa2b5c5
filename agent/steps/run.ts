import { mkdirSync } from 'node:fs';
import type { RunStep } from '../../shared/config/plan';
import { defaultShell } from '../executors/host';
import { resolvePath, type StepHandler } from './context';

/**
 * bash sources `$BASH_ENV` itself before a non-interactive script; other shells (sh, dash, ash) do not, so
 * the script sources it first, as CircleCI's agent does for every `run` step.
 */
export function withBashEnv(command: string, shell: string): string {
  const program = shell.trim().split(/\s+/)[0].split('/').pop() ?? '';
  if (program === 'bash') return command;
  return `if [ -n "\${BASH_ENV:-}" ] && [ -f "$BASH_ENV" ]; then . "$BASH_ENV"; fi\n${command}`;
}

/** `run`: the command in the job's (or step's) shell, with step environment over job environment. */
export const runStep: StepHandler<RunStep> = async (step, ctx) => {
  const cwd = step.workingDirectory ? resolvePath(step.workingDirectory, ctx) : ctx.workingDirectory;
  mkdirSync(cwd, { recursive: true });
  const env = { ...ctx.env, ...step.environment };
  const shell = step.shell ?? ctx.spec.plan.shell;
  const script = withBashEnv(step.command, shell ?? defaultShell());
  if (step.background) {
    ctx.executor.runBackground({ script, shell, cwd, env, onOutput: (d) => ctx.log.write(d) });
    return { status: 'success', exitCode: 0 };
  }
  const res = await ctx.executor.run({
    script,
    shell,
    cwd,
    env,
    onOutput: (d) => ctx.log.write(d),
    outputReady: () => ctx.log.ready,
    signal: ctx.signal,
    noOutputTimeoutMs: step.noOutputTimeoutSeconds * 1000,
  });
  if (res.canceled) return { status: 'canceled', exitCode: res.exitCode };
  if (res.timedOut) {
    ctx.log.note(`\nToo long with no output (exceeded ${formatDuration(step.noOutputTimeoutSeconds)}): context deadline exceeded`);
    return { status: 'timedout', exitCode: res.exitCode };
  }
  if (res.exitCode !== 0) ctx.log.note(`\nExited with code exit status ${res.exitCode}`);
  return { status: res.exitCode === 0 ? 'success' : 'failed', exitCode: res.exitCode };
};

function formatDuration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m0s` : `${seconds}s`;
}
