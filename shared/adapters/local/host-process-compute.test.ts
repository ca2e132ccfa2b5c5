import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostProcessCompute } from './host-process-compute';

/** A stand-in agent: records how it got its task (argv mode + env or stdin) into a file named by its pid. */
function fakeAgent(dir: string): string {
  const file = join(dir, 'agent.js');
  writeFileSync(
    file,
    `const fs = require('fs'); const mode = process.argv[2];
     const write = (task) => fs.writeFileSync(${JSON.stringify(dir)} + '/' + process.pid + '.json', JSON.stringify({ mode, task, envToken: process.env.SLIPWAY_TASK_TOKEN || null }));
     if (mode === 'task') write({ url: process.env.SLIPWAY_URL, token: process.env.SLIPWAY_TASK_TOKEN });
     else { let b = ''; process.stdin.on('data', (d) => (b += d)); process.stdin.on('end', () => { if (b) write(JSON.parse(b)); }); }`,
  );
  return file;
}

const task = (jobId: string) => ({
  jobId,
  workflowId: 'wf',
  projectSlug: 'gh/a/b',
  taskIndex: 0,
  attempt: 0,
  executor: { type: 'docker' as const, resourceClass: 'medium', images: [] },
  taskToken: `token-${jobId}`,
  taskCode: `code-${jobId}`,
  controlPlaneUrl: 'http://127.0.0.1:1',
});

async function result(dir: string, pid: number): Promise<any> {
  const file = join(dir, `${pid}.json`);
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('HostProcessCompute', () => {
  it('hands a task to the warm standby agent on stdin (no token in its environment) and warms the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-compute-'));
    const compute = new HostProcessCompute({ agentCommand: [process.execPath, fakeAgent(dir)], workRoot: dir, prewarm: true });
    compute.warm();
    const first = await compute.launch(task('j1'));
    const second = await compute.launch(task('j2'));
    const a = await result(dir, Number(first.computeId.slice(6)));
    const b = await result(dir, Number(second.computeId.slice(6)));
    expect(a).toEqual({ mode: 'standby', task: { url: 'http://127.0.0.1:1', token: 'token-j1', workRoot: dir }, envToken: null });
    expect(b.mode).toBe('standby');
    expect(b.task.token).toBe('token-j2');
    compute.stopAll();
  });

  it('starts a task-mode agent with its token in the environment when not prewarming', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-compute-'));
    const compute = new HostProcessCompute({ agentCommand: [process.execPath, fakeAgent(dir)], workRoot: dir });
    const launched = await compute.launch(task('j3'));
    expect(await result(dir, Number(launched.computeId.slice(6)))).toEqual({
      mode: 'task',
      task: { url: 'http://127.0.0.1:1', token: 'token-j3' },
      envToken: 'token-j3',
    });
  });
});
