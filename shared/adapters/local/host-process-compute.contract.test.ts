import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractTask, defineJobComputeContract } from '../../ports/job-compute.contract';
import type { TaskLaunch } from '../../ports/job-compute';
import { HostProcessCompute } from './host-process-compute';

/**
 * A process this adapter did not start, in its own process group, that answers pings: a signal sent to it is
 * handled before it reads the next ping, so a ping after `stop` tells whether it survived, without waiting.
 */
function bystander() {
  const child = spawn(process.execPath, ['-e', "process.on('message', () => process.send('pong'))"], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const gone = new Promise<false>((r) => child.once('exit', () => r(false)));
  const alive = () => Promise.race([gone, new Promise<true>((r) => (child.once('message', () => r(true)), child.send('ping')))]);
  return { child, alive };
}

/** The agents this process has running: its children running the stand-in agent (zombies excluded). */
function agentChildren(script: string): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, stat, ...args]) => pid && !stat.startsWith('Z') && args.includes(script))
    .map(([pid]) => Number(pid));
}

defineJobComputeContract('HostProcessCompute (agent processes on this host)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-contract-'));
  const script = join(dir, 'agent.js');
  writeFileSync(script, 'setInterval(() => undefined, 1000);');
  const exits = new Map<string, () => void>();
  const exited = new Map<string, Promise<void>>();
  const keyOf = (t: Pick<TaskLaunch, 'jobId' | 'taskIndex' | 'attempt'>) => `${t.jobId}:${t.taskIndex}:${t.attempt}`;
  const inner = new HostProcessCompute({ agentCommand: [process.execPath, script], workRoot: dir, onExit: (t) => exits.get(keyOf(t))?.() });
  const ids = new Map<string, string>();
  // Something else on this host, in its own process group: `local:<its pid>` must not reach it.
  const other = bystander();
  await other.alive();
  return {
    compute: {
      async launch(task) {
        const key = keyOf(task);
        if (!exited.has(key)) exited.set(key, new Promise<void>((r) => exits.set(key, r)));
        const launched = await inner.launch(task);
        ids.set(launched.computeId, key);
        return launched;
      },
      stop: (id) => inner.stop(id),
      find: (task) => inner.find(task),
    },
    task: contractTask({ type: 'machine', resourceClass: 'medium', images: [] }, { controlPlaneUrl: 'http://127.0.0.1:1' }),
    running: async () => agentChildren(script).length,
    ended: (id) => exited.get(ids.get(id) ?? '') ?? Promise.resolve(),
    unknownId: 'local:2147483646',
    bystander: { computeId: `local:${other.child.pid}`, alive: other.alive },
    async close() {
      inner.stopAll();
      other.child.kill('SIGKILL');
    },
  };
});
