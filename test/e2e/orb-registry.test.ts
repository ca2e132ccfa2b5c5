import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const ORB = `version: 2.1
description: Greets.
commands:
  greet:
    parameters:
      who: { type: string, default: world }
    steps:
      - run: echo "hello << parameters.who >> from the orb"
`;

const CONFIG = `version: 2.1
orbs:
  hi: acme/greeter@1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - hi/greet: { who: registry }
workflows:
  main:
    jobs: [build]
`;

describe('private orb registry and compile-config-with-defaults', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer();
  }, 90_000);
  afterAll(async () => server?.stop());

  it('compiles a config like `circleci config process --host`, reporting a missing registry orb clearly', async () => {
    const missing = await server.api('POST', '/api/v2/compile-config-with-defaults', { config_yaml: CONFIG, options: {} });
    expect(missing.status).toBe(200);
    expect(missing.body.valid).toBe(false);
    expect(missing.body.errors[0].message).toMatch(/acme\/greeter@1/);
    expect((await server.api('POST', '/api/v2/compile-config-with-defaults', { config_yaml: CONFIG }, null)).status).toBe(401);
  });

  it('publishes immutable orb versions, resolves a major version to the newest release, and runs a job that uses it', async () => {
    expect((await server.api('POST', '/api/v2/slipway/orbs/acme/greeter/1.0.0', { source: ORB })).status).toBe(201);
    expect((await server.api('POST', '/api/v2/slipway/orbs/acme/greeter/1.2.0', { source: ORB.replace('from the orb', 'from 1.2.0') })).status).toBe(201);
    expect((await server.api('POST', '/api/v2/slipway/orbs/acme/greeter/2.0.0', { source: ORB.replace('from the orb', 'from 2.0.0') })).status).toBe(201);
    const again = await server.api('POST', '/api/v2/slipway/orbs/acme/greeter/1.2.0', { source: ORB });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/immutable/);
    const bad = await server.api('POST', '/api/v2/slipway/orbs/acme/greeter/1.3', { source: ORB });
    expect(bad.status).toBe(400);
    expect((await server.api('POST', '/api/v2/slipway/orbs/acme/greeter/1.3.0', { source: 'jobz: {}' })).body.message).toMatch(/Unknown top-level keys/);
    const versions = await server.api('GET', '/api/v2/slipway/orbs/acme/greeter');
    expect(versions.body.items.map((v: any) => v.version)).toEqual(['1.0.0', '1.2.0', '2.0.0']);

    const compiled = await server.api('POST', '/api/v2/compile-config-with-defaults', { config_yaml: CONFIG });
    expect(compiled.body.valid).toBe(true);
    expect(compiled.body['output-yaml']).toContain('hello registry from 1.2.0');

    const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
    await server.api('POST', '/api/v2/project/gh/acme/orbs', { repo_url: repo.url });
    const p = await server.api('POST', '/api/v2/project/gh/acme/orbs/pipeline', {});
    const job = await waitFor(async () => {
      const wfs = await server.api('GET', `/api/v2/pipeline/${p.body.id}/workflow`);
      const wf = wfs.body.items?.[0];
      if (!wf || wf.status === 'running') return undefined;
      return (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items[0];
    }, 'the orb pipeline');
    expect(job.status).toBe('success');
    const detail = await server.api('GET', `/api/v1.1/project/gh/acme/orbs/${job.job_number}`);
    let out = '';
    for (const s of detail.body.steps) for (const a of s.actions) for (const m of (await (await fetch(a.output_url)).json()) as any[]) out += m.message;
    expect(out).toContain('hello registry from 1.2.0');
  });

  it('packs and publishes an orb source folder with `slipway orb publish`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orb-src-'));
    writeFileSync(join(dir, '@orb.yml'), 'version: 2.1\ndescription: From the CLI.\n');
    mkdirSync(join(dir, 'commands'));
    writeFileSync(join(dir, 'commands', 'wave.yml'), 'steps:\n  - run: echo "<<include(scripts/wave.sh)>>"\n');
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(join(dir, 'scripts', 'wave.sh'), 'waving');
    const bin = resolve(__dirname, '..', '..', 'bin', 'slipway.js');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'orb', 'publish', dir, 'acme/cli@0.1.0'], {
      env: { ...process.env, SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token },
    });
    expect(stdout).toContain('Orb acme/cli@0.1.0 published.');
    const config = CONFIG.replace('hi: acme/greeter@1', 'hi: acme/cli@0.1').replace('- hi/greet: { who: registry }', '- hi/wave');
    const compiled = await server.api('POST', '/api/v2/compile-config-with-defaults', { config_yaml: config });
    expect(compiled.body.errors).toEqual([]);
    expect(compiled.body['output-yaml']).toContain('waving');
  });
});
