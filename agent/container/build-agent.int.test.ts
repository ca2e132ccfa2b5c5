import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FARGATE_TASK_LAYOUT } from '../../shared/model/resource-classes';

const ROOT = resolve(__dirname, '../..');
const out = mkdtempSync(join(tmpdir(), 'slipway-agent-bundle-'));
const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

/** `npm run build:agent` into a temporary folder, once for the suite. */
beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-agent.js'), '--outdir', out], { cwd: ROOT, stdio: 'pipe' });
});

describe('npm run build:agent', () => {
  it('lays out /opt/slipway: agent, container entry, runner CLI, shim and bin/slipway', () => {
    for (const f of ['agent.cjs', 'container.cjs', 'slipway.cjs', 'shim.sh', 'bin/slipway']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'shim.sh'), 'utf8')).toBe(readFileSync(join(ROOT, 'agent/container/shim.sh'), 'utf8'));
    // agent/Dockerfile's build stage copies exactly these folders.
    const dockerfile = readFileSync(join(ROOT, 'agent/Dockerfile'), 'utf8');
    for (const dir of JSON.parse(readFileSync(join(out, 'sources.json'), 'utf8')) as string[]) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
  });

  it('runs the runner CLI through bin/slipway, also through a symlink as on EC2 machines', () => {
    const help = run('sh', [join(out, 'bin/slipway'), 'runner', '--help']);
    expect(help.status).toBe(0);
    for (const option of ['--resource-class', '--token-secret', '--once', '--terminate-instance']) expect(help.stdout).toContain(option);
    const linkDir = mkdtempSync(join(tmpdir(), 'slipway-bin-'));
    symlinkSync(join(out, 'bin/slipway'), join(linkDir, 'slipway'));
    const linked = run(join(linkDir, 'slipway'), ['--help']);
    expect(linked.status).toBe(0);
    expect(linked.stdout).toContain('runner [options]');
    const missing = run('sh', [join(out, 'bin/slipway'), 'runner', '--resource-class', 'acme/x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/needs --token .* and --url/);
  });

  it('checks task mode arguments in the agent and the container entry', () => {
    for (const entry of ['agent.cjs', 'container.cjs']) {
      const r = run(process.execPath, [join(out, entry)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('needs SLIPWAY_URL and SLIPWAY_TASK_TOKEN');
    }
    expect(run(process.execPath, [join(out, 'container.cjs'), 'bogus']).stderr).toContain('Unknown agent mode "bogus"');
  });

  it('starts a Fargate task from the bundle: installs the shim for the waiting primary, runs the agent, then ends the shim', async () => {
    const vol = mkdtempSync(join(tmpdir(), 'slipway-volume-'));
    mkdirSync(join(vol, 'steps'));
    const at = (p: string) => p.split(FARGATE_TASK_LAYOUT.sharedMountPath).join(vol);
    const requests: string[] = [];
    // The control plane refuses the one-time task code: the agent reports it and exits 1.
    const plane: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"expired"}');
    });
    await new Promise<void>((r) => plane.listen(0, '127.0.0.1', r));
    try {
      const primary = spawn('/bin/sh', ['-c', at(FARGATE_TASK_LAYOUT.primaryCommand)], { stdio: 'ignore' });
      const primaryExit = new Promise<number | null>((r) => primary.on('exit', r));
      const agent = spawn(process.execPath, [join(out, 'container.cjs')], {
        env: {
          PATH: process.env.PATH ?? '',
          SLIPWAY_URL: `http://127.0.0.1:${(plane.address() as AddressInfo).port}`,
          SLIPWAY_TASK_CODE: 'task-code',
          SLIPWAY_SHIM_DIR: at(FARGATE_TASK_LAYOUT.stepsDir),
          SLIPWAY_SHIM_PATH: at(FARGATE_TASK_LAYOUT.shimPath),
          SLIPWAY_WORK_ROOT: at(FARGATE_TASK_LAYOUT.workRoot),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      agent.stderr.on('data', (d) => (stderr += d));
      const agentExit = await new Promise<number | null>((r) => agent.on('exit', r));
      expect(stderr).toContain('401');
      expect(agentExit).toBe(1);
      expect(requests).toEqual(['POST /runner/v1/task/token Bearer task-code']);
      expect(readFileSync(at(FARGATE_TASK_LAYOUT.shimPath), 'utf8')).toBe(readFileSync(join(out, 'shim.sh'), 'utf8'));
      expect(await primaryExit).toBe(0);
    } finally {
      plane.close();
    }
  });
});
