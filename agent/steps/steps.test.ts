import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepPlan } from '../../shared/config/plan';
import type { JobSpec } from '../../shared/model/job-spec';
import { HostExecutor } from '../executors/host';
import { StepLogStream } from '../log-stream';
import { SecretMasker } from '../mask';
import type { BlobApi, StepContext } from './context';
import { stepHandlers } from './index';

/** S3 stand-in: presigned-style URLs that PUT and GET bytes (the true external edge of these steps). */
class FakeBucket {
  readonly objects = new Map<string, { body: Buffer; at: number }>();
  private server!: Server;
  url = '';
  failNextPuts = 0;
  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const key = decodeURIComponent(req.url!.slice(1));
        if (req.method === 'PUT') {
          if (this.failNextPuts > 0) {
            this.failNextPuts--;
            res.writeHead(503).end('SlowDown');
            return;
          }
          this.objects.set(key, { body: Buffer.concat(chunks), at: this.objects.size });
          res.writeHead(200).end();
        } else {
          const o = this.objects.get(key);
          if (!o) res.writeHead(404).end();
          else res.writeHead(200).end(o.body);
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }
  stop() {
    this.server.close();
  }
  link = (key: string) => `${this.url}/${encodeURIComponent(key)}`;
}

function blobApi(bucket: FakeBucket, job: string, upstream: string[] = []): BlobApi {
  const newest = (prefix: string) => [...bucket.objects.entries()].filter(([k]) => k.startsWith(prefix)).sort((a, b) => b[1].at - a[1].at)[0];
  let layer = 0;
  return {
    saveCache: async (key) => (bucket.objects.has(`caches/${key}`) ? { exists: true } : { exists: false, url: bucket.link(`caches/${key}`) }),
    restoreCache: async (keys) => {
      for (const k of keys) {
        const hit = newest(`caches/${k}`);
        if (hit) return { key: hit[0].slice(7), url: bucket.link(hit[0]), size: hit[1].body.length };
      }
      return {};
    },
    workspaceLayerUrl: async () => ({ url: bucket.link(`ws/${job}/${layer++}`) }),
    workspaceLayers: async () => ({
      layers: [...bucket.objects.entries()]
        .filter(([k]) => upstream.some((u) => k.startsWith(`ws/${u}/`)))
        .sort((a, b) => a[1].at - b[1].at)
        .map(([k, o]) => ({ job: k.split('/')[1], url: bucket.link(k), size: o.body.length })),
    }),
    artifactUrls: async (paths) => paths.map((p) => bucket.link(`artifacts/${p}`)),
    testResultsUrl: async () => bucket.link(`results/${job}`),
  };
}

function context(bucket: FakeBucket, job: string, upstream: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), 'slipway-steps-'));
  const home = join(root, 'home');
  const workingDirectory = join(home, 'project');
  mkdirSync(workingDirectory, { recursive: true });
  let output = '';
  const log = new StepLogStream(0, { upload: async (_s, _q, body) => void (output += body.toString()) }, new SecretMasker([]), {
    maxChunkBytes: 1 << 20,
    flushIntervalMs: 10,
    inlineMaxBytes: 0,
  });
  const ctx: StepContext = {
    spec: { plan: { workingDirectory: '~/project', shell: undefined } } as unknown as JobSpec,
    executor: new HostExecutor(root),
    env: { PATH: process.env.PATH!, HOME: home, CIRCLE_BRANCH: 'main' },
    home,
    workingDirectory,
    log,
    signal: new AbortController().signal,
    client: blobApi(bucket, job, upstream),
    scratch: root,
    testResults: [],
  };
  return { ctx, output: async () => (await log.close(), output) };
}

const step = <T extends StepPlan['type']>(type: T, fields: Record<string, unknown>) => ({ type, name: type, when: 'on_success', ...fields }) as StepPlan;
const run = (s: StepPlan, ctx: StepContext) => stepHandlers[s.type](s, ctx);

describe('step handlers', () => {
  const bucket = new FakeBucket();
  beforeAll(() => bucket.start());
  afterAll(() => bucket.stop());

  it('save_cache then restore_cache moves HOME-relative paths into another task HOME, and keys stay immutable', async () => {
    const a = context(bucket, 'a');
    mkdirSync(join(a.ctx.workingDirectory, 'node_modules/x'), { recursive: true });
    writeFileSync(join(a.ctx.workingDirectory, 'node_modules/x/index.js'), 'module');
    writeFileSync(join(a.ctx.workingDirectory, 'lock'), 'v1');
    const save = step('save_cache', { key: 'deps-{{ .Branch }}-{{ checksum "lock" }}', paths: ['node_modules', '~/missing'] });
    expect(await run(save, a.ctx)).toEqual({ status: 'success', exitCode: 0 });
    expect(await run(save, a.ctx)).toEqual({ status: 'success', exitCode: 0 });
    const saved = await a.output();
    expect(saved).toMatch(/could not find .*missing to cache/);
    expect(saved).toMatch(/Skipping cache generation, cache already exists for key: deps-main-/);

    const b = context(bucket, 'b');
    // The restored key is reported with the step (a replay of the job fetches that same cache).
    expect(await run(step('restore_cache', { keys: ['nothing-', 'deps-main-'] }), b.ctx)).toEqual({
      status: 'success',
      exitCode: 0,
      restoredCache: expect.stringMatching(/^deps-main-[A-Za-z0-9+/]{43}=$/),
    });
    expect(readFileSync(join(b.ctx.workingDirectory, 'node_modules/x/index.js'), 'utf8')).toBe('module');
    expect(await b.output()).toMatch(/Found a cache at deps-main-/);
  });

  it('treats a cache miss as a warning', async () => {
    const c = context(bucket, 'c');
    expect(await run(step('restore_cache', { keys: ['absent-{{ .Branch }}'] }), c.ctx)).toEqual({ status: 'success', exitCode: 0 });
    expect(await c.output()).toContain('No cache is found for key: absent-main');
  });

  it('persists workspace globs and attaches the upstream layers, later layers winning', async () => {
    const up1 = context(bucket, 'up1');
    const up2 = context(bucket, 'up2');
    for (const [c, text] of [
      [up1, 'first'],
      [up2, 'second'],
    ] as const) {
      mkdirSync(join(c.ctx.workingDirectory, 'dist'), { recursive: true });
      writeFileSync(join(c.ctx.workingDirectory, 'dist/app.txt'), text);
      writeFileSync(join(c.ctx.workingDirectory, 'dist/skip.log'), 'x');
      expect(await run(step('persist_to_workspace', { root: 'dist', paths: ['*.txt'] }), c.ctx)).toEqual({ status: 'success', exitCode: 0 });
    }
    const down = context(bucket, 'down', ['up1', 'up2']);
    expect(await run(step('attach_workspace', { at: '/tmp/../' + down.ctx.workingDirectory.slice(1) + '/ws' }), down.ctx)).toEqual({
      status: 'success',
      exitCode: 0,
    });
    expect(readFileSync(join(down.ctx.workingDirectory, 'ws/app.txt'), 'utf8')).toBe('second');
    expect(existsSync(join(down.ctx.workingDirectory, 'ws/skip.log'))).toBe(false);
  });

  it('refuses workspace paths and artifact destinations that escape their root', async () => {
    const c = context(bucket, 'escape');
    mkdirSync(join(c.ctx.workingDirectory, 'out'), { recursive: true });
    writeFileSync(join(c.ctx.workingDirectory, 'out/f'), 'x');
    await expect(run(step('persist_to_workspace', { root: 'out', paths: ['../secret'] }), c.ctx)).rejects.toThrow(/The workspace path "..\/secret" is outside/);
    await expect(run(step('store_artifacts', { path: 'out', destination: '../../etc' }), c.ctx)).rejects.toThrow(
      /The artifact destination "..\/..\/etc" is outside/,
    );
  });

  it('uploads artifacts under their destination, retrying transient upload errors', async () => {
    const c = context(bucket, 'art');
    mkdirSync(join(c.ctx.workingDirectory, 'out/sub'), { recursive: true });
    writeFileSync(join(c.ctx.workingDirectory, 'out/a.bin'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(c.ctx.workingDirectory, 'out/sub/b.txt'), 'b');
    bucket.failNextPuts = 2;
    expect(await run(step('store_artifacts', { path: 'out', destination: 'reports' }), c.ctx)).toEqual({ status: 'success', exitCode: 0 });
    expect(bucket.objects.get('artifacts/reports/a.bin')?.body).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(bucket.objects.get('artifacts/reports/sub/b.txt')?.body.toString()).toBe('b');
    expect(await c.output()).toContain('Stored 2 artifacts');
  });

  it('stores JUnit results of a folder, accumulating across steps', async () => {
    const c = context(bucket, 'junit');
    mkdirSync(join(c.ctx.workingDirectory, 'r/x'), { recursive: true });
    writeFileSync(join(c.ctx.workingDirectory, 'r/x/one.xml'), '<testsuite><testcase classname="A" name="a" time="1"/></testsuite>');
    writeFileSync(join(c.ctx.workingDirectory, 'r/ignored.txt'), 'no');
    writeFileSync(join(c.ctx.workingDirectory, 'two.xml'), '<testsuite><testcase classname="B" name="b"><failure message="m"/></testcase></testsuite>');
    await run(step('store_test_results', { path: 'r' }), c.ctx);
    await run(step('store_test_results', { path: 'two.xml' }), c.ctx);
    const stored = JSON.parse(bucket.objects.get('results/junit')!.body.toString());
    expect(stored.tests.map((t: { name: string; result: string }) => [t.name, t.result])).toEqual([
      ['a', 'success'],
      ['b', 'failure'],
    ]);
  });

  it('fails setup_remote_docker clearly without a Docker engine', async () => {
    const c = context(bucket, 'docker');
    c.ctx.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    await expect(run(step('setup_remote_docker', {}), c.ctx)).rejects.toThrow(/no Docker engine is reachable/);
  });

  it('writes requested SSH keys and fails on an unknown fingerprint', async () => {
    const c = context(bucket, 'ssh');
    c.ctx.spec = { ...c.ctx.spec, sshKeys: [{ fingerprint: 'aa:bb', privateKey: 'KEY', hostname: 'github.com' }] };
    await run(step('add_ssh_keys', { fingerprints: ['aa:bb'] }), c.ctx);
    expect(readFileSync(join(c.ctx.home, '.ssh/id_rsa_aabb'), 'utf8')).toBe('KEY\n');
    expect(readFileSync(join(c.ctx.home, '.ssh/config'), 'utf8')).toContain('Host github.com');
    await expect(run(step('add_ssh_keys', { fingerprints: ['cc:dd'] }), c.ctx)).rejects.toThrow(/No SSH key with fingerprint cc:dd/);
  });

  it('sources $BASH_ENV before a run step in sh', async () => {
    const c = context(bucket, 'bashenv');
    const bashEnv = join(c.ctx.scratch, 'bash_env');
    writeFileSync(bashEnv, 'export FROM_ENV=yes\n');
    c.ctx.env.BASH_ENV = bashEnv;
    const r = await run(
      step('run', { command: 'echo "got $FROM_ENV"', shell: '/bin/sh -e', environment: {}, background: false, noOutputTimeoutSeconds: 10 }),
      c.ctx,
    );
    expect(r.status).toBe('success');
    expect(await c.output()).toBe('got yes\n');
  });

  it('checks out a forked pull request commit that only refs/pull/<n>/head reaches', async () => {
    const origin = mkdtempSync(join(tmpdir(), 'slipway-origin-'));
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args], { cwd, encoding: 'utf8' }).trim();
    git(origin, 'init', '--quiet', '--initial-branch=main');
    writeFileSync(join(origin, 'a.txt'), 'main');
    git(origin, 'add', '-A');
    git(origin, 'commit', '--quiet', '-m', 'main');
    git(origin, 'checkout', '--quiet', '-b', 'fork-work');
    writeFileSync(join(origin, 'a.txt'), 'from the fork');
    git(origin, 'commit', '--quiet', '-am', 'fork');
    const sha = git(origin, 'rev-parse', 'HEAD');
    git(origin, 'update-ref', 'refs/pull/7/head', sha);
    git(origin, 'checkout', '--quiet', 'main');
    git(origin, 'branch', '--quiet', '-D', 'fork-work');
    const c = context(bucket, 'pr');
    c.ctx.spec = { ...c.ctx.spec, checkout: { url: `file://${origin}`, revision: sha, branch: 'pull/7' } } as JobSpec;
    const r = await run(step('checkout', {}), c.ctx);
    expect(r.status).toBe('success');
    expect(readFileSync(join(c.ctx.workingDirectory, 'a.txt'), 'utf8')).toBe('from the fork');
  });
});
