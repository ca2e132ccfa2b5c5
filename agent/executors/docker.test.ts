import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerImage } from '../../shared/config/plan';
import { installCircleciCommand } from '../circleci-server';
import { containerHostname, DockerExecutor, dockerEngineReachable, execArgs, killArgs, loginArgs, runContainerArgs } from './docker';

const image = (over: Partial<DockerImage> = {}): DockerImage => ({ image: 'cimg/base:stable', environment: {}, ...over });

/**
 * A stand-in for the `docker` CLI (no engine on this machine): logs its arguments, answers `version` as told,
 * and runs `exec`'s command on the host in the given directory with the given variables.
 */
function fakeDocker(versionExit: number): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-fake-docker-'));
  const log = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'docker'),
    `#!/bin/bash
echo "$*" >> ${JSON.stringify(log)}
case "$1" in
  version) [ ${versionExit} = 0 ] && echo 27.1.0; exit ${versionExit};;
  exec) shift; cwd=.; envs=()
    while [ $# -gt 0 ]; do case "$1" in -w) cwd=$2; shift 2;; -e) envs+=("$2"); shift 2;; *) break;; esac; done
    shift; cd "$cwd" && exec env "\${envs[@]}" "$@";;
  run) echo 0123456789ab;;
esac
exit 0
`,
  );
  chmodSync(join(dir, 'docker'), 0o755);
  return { dir, log };
}

describe('docker executor command lines', () => {
  it('starts the primary with the task folder mounted at the same path and a keep-alive, and services by host name', () => {
    expect(
      runContainerArgs({
        container: 'slipway-t-0',
        network: 'slipway-t',
        image: image({ environment: { TZ: 'UTC', 'BAD-NAME': 'x' } }),
        primary: true,
        mounts: ['/work/task:/work/task'],
        hosts: ['base', 'db'],
        labels: { 'io.slipway.task': 't' },
      }),
    ).toEqual([
      'run',
      '-d',
      '--pull',
      'never',
      '--name',
      'slipway-t-0',
      '--label',
      'io.slipway.task=t',
      '--network',
      'slipway-t',
      '--hostname',
      'base',
      '--add-host',
      'base:127.0.0.1',
      '--add-host',
      'db:127.0.0.1',
      '-v',
      '/work/task:/work/task',
      '-e',
      'TZ=UTC',
      '--entrypoint',
      '/bin/sh',
      'cimg/base:stable',
      '-c',
      "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
    ]);
    // Services join the primary's network namespace: `localhost` is shared, names resolve through the primary's hosts.
    expect(
      runContainerArgs({
        container: 'slipway-t-1',
        network: 'slipway-t-0',
        image: image({
          image: 'registry.example.com:5000/db/postgres:16@sha256:ab',
          name: 'db',
          user: 'postgres',
          entrypoint: ['docker-entrypoint.sh', '--verbose'],
          command: ['postgres'],
        }),
        primary: false,
      }),
    ).toEqual([
      'run',
      '-d',
      '--pull',
      'never',
      '--name',
      'slipway-t-1',
      '--network',
      'container:slipway-t-0',
      '--user',
      'postgres',
      '--entrypoint',
      'docker-entrypoint.sh',
      'registry.example.com:5000/db/postgres:16@sha256:ab',
      '--verbose',
      'postgres',
    ]);
    // An image labelled com.circleci.preserve-entrypoint=true keeps its ENTRYPOINT as the primary.
    expect(runContainerArgs({ container: 'c', network: 'n', image: image(), primary: true, preserveEntrypoint: true }).slice(-2)).toEqual([
      'base',
      'cimg/base:stable',
    ]);
    expect(containerHostname(image({ image: 'cimg/postgres:16.2' }))).toBe('postgres');
    expect(containerHostname(image({ image: 'localhost:5000/redis' }))).toBe('redis');
  });

  it('runs a step with docker exec in its directory with the job environment (not the host PATH), recording its pid', () => {
    expect(
      execArgs({
        container: 'c',
        cwd: '/w/project',
        env: { PATH: '/host/bin', HOME: '/w/home', CIRCLE_JOB: 'build' },
        shell: '/bin/bash -eo pipefail',
        file: '/w/scripts/s.sh',
      }),
    ).toEqual([
      'exec',
      '-w',
      '/w/project',
      '-e',
      'HOME=/w/home',
      '-e',
      'CIRCLE_JOB=build',
      'c',
      '/bin/sh',
      '-c',
      'echo $$ > "$0.pid"; exec "$@"',
      '/w/scripts/s.sh',
      '/bin/bash',
      '-eo',
      'pipefail',
      '/w/scripts/s.sh',
    ]);
    expect(execArgs({ container: 'c', cwd: '/w', env: {}, file: '/s.sh' }).slice(-3)).toEqual([
      '-c',
      `echo $$ > "$0.pid"; if [ -x /bin/bash ]; then exec /bin/bash -eo pipefail "$0"; else exec /bin/sh -e -c 'if [ -n "\${BASH_ENV:-}" ] && [ -r "$BASH_ENV" ]; then . "$BASH_ENV"; fi; . "$0"' "$0"; fi`,
      '/s.sh',
    ]);
    expect(killArgs('c', '/s.sh')).toEqual(['exec', 'c', '/bin/sh', '-c', 'kill -KILL "$(cat "$0.pid")" 2>/dev/null || true', '/s.sh']);
  });

  it('installs the circleci client by the task folder bind mount and puts its folder first on the PATH of each exec', () => {
    const executor = new DockerExecutor('/w/task/scripts', { taskId: 't', images: [image()], mount: '/w/task', workingDirectory: '/home/circleci/project' });
    // An absolute working directory outside the task folder is bind-mounted too: the agent's checkout there is what steps see.
    expect(executor.useCircleciClient('/w/task/bin')).toEqual(['/w/task', '/home/circleci/project']);
    expect(
      new DockerExecutor('/w/task/scripts', { taskId: 't', images: [image()], mount: '/w/task', workingDirectory: '/w/task/home/project' }).useCircleciClient(
        '/w/task/bin',
      ),
    ).toEqual(['/w/task']);
    expect(
      runContainerArgs({
        container: 'c',
        network: 'n',
        image: image(),
        primary: true,
        mounts: ['/w/task:/w/task', '/home/circleci/project:/home/circleci/project'],
      }).join(' '),
    ).toContain('-v /w/task:/w/task -v /home/circleci/project:/home/circleci/project ');
    const script = execArgs({ container: 'c', cwd: '/w', env: {}, shell: '/bin/sh -e', file: '/s.sh', clientDir: "/w/it's/bin" });
    expect(script.slice(-6)).toEqual(['-c', `echo $$ > "$0.pid"; PATH='/w/it'\\''s/bin':"$PATH"; export PATH; exec "$@"`, '/s.sh', '/bin/sh', '-e', '/s.sh']);
    // What the container's sh makes of it: the client's folder first, then the container's own PATH.
    const shown = spawnSync('/bin/sh', ['-c', script[script.indexOf('-c') + 1].replace('echo $$ > "$0.pid"; ', '').replace('exec "$@"', 'echo "$PATH"')], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(shown.stdout).toBe("/w/it's/bin:/usr/bin:/bin\n");
  });

  it('logs in to the image registry only for images with credentials', () => {
    expect(loginArgs('/cfg', image())).toBeUndefined();
    expect(loginArgs('/cfg', image({ auth: { username: 'u', password: 'p' } }))).toEqual([
      '--config',
      '/cfg',
      'login',
      '--username',
      'u',
      '--password-stdin',
      'docker.io',
    ]);
    expect(loginArgs('/cfg', image({ image: 'ghcr.io/acme/app:1', auth: { username: 'u', password: 'p' } }))?.at(-1)).toBe('ghcr.io');
  });
});

describe('docker engine detection', () => {
  it('finds no engine when docker version fails, or no docker at all, and an engine when it answers', () => {
    expect(dockerEngineReachable({ PATH: `${fakeDocker(1).dir}:/usr/bin:/bin` })).toBe(false);
    expect(dockerEngineReachable({ PATH: mkdtempSync(join(tmpdir(), 'slipway-empty-')) })).toBe(false);
    expect(dockerEngineReachable({ PATH: `${fakeDocker(0).dir}:/usr/bin:/bin` })).toBe(true);
  });
});

describe('DockerExecutor through the docker CLI', () => {
  const original = process.env.PATH;
  afterEach(() => {
    process.env.PATH = original;
  });

  it('serves the circleci client in the primary container through the bind-mounted task folder', async () => {
    const fake = fakeDocker(0);
    process.env.PATH = `${fake.dir}:${original}`;
    const root = mkdtempSync(join(tmpdir(), 'slipway-docker-task-'));
    const [scripts, bin, taskData, project] = ['scripts', 'bin', 'task-data', 'home/project'].map((d) => join(root, d));
    for (const d of [scripts, bin, taskData, join(project, 'test')]) mkdirSync(d, { recursive: true });
    for (const f of ['b.test.js', 'a.test.js', 'c.test.js', 'd.js']) writeFileSync(join(project, 'test', f), '');
    const executor = new DockerExecutor(scripts, { taskId: 'cli-0-0', images: [image()], mount: root, workingDirectory: project });
    const served = installCircleciCommand(executor, { taskRoot: root, bin, taskData, agentCommand: ['/nonexistent/agent'] });
    try {
      await executor.setUp(() => undefined);
      let out = '';
      const res = await executor.run({
        script: 'circleci tests glob "test/*.test.js" | circleci tests split',
        cwd: project,
        env: { CIRCLE_INTERNAL_TASK_DATA: taskData, CIRCLE_NODE_INDEX: '1', CIRCLE_NODE_TOTAL: '2' },
        onOutput: (d) => (out += d),
        signal: new AbortController().signal,
        noOutputTimeoutMs: 10_000,
      });
      expect(out).toBe('test/b.test.js\n');
      expect(res.exitCode).toBe(0);
    } finally {
      await served.stop();
      await executor.shutdown();
    }
  });
});
