import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/node:20.11 }, { image: cimg/postgres:16 }]
    steps:
      - run: echo "ran on the host"
workflows:
  main: { jobs: [build] }
`;

describe('docker jobs without a reachable engine (slipway dev)', () => {
  let server: DevServer;
  const slug = 'gh/acme/docker-fallback';

  beforeAll(async () => {
    // A `docker` CLI whose engine does not answer, first on PATH.
    const bin = mkdtempSync(join(tmpdir(), 'slipway-no-engine-'));
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2\nexit 1\n');
    chmodSync(join(bin, 'docker'), 0o755);
    server = await startDevServer({ env: { PATH: `${bin}:${process.env.PATH}` } });
    const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('runs the job on the host, its first output line naming the image it did not use', async () => {
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { jobs } = await workflowOf(server, trigger.body.id);
    expect(jobs.build.status).toBe('success');
    const out = await jobOutput(server, slug, jobs.build.job_number);
    expect(out.split('\n')[0]).toBe('Running on the host: Docker image cimg/node:20.11 is not used (no Docker engine is reachable).');
    expect(out).toContain('ran on the host');
  });
});
