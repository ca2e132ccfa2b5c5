import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDevServer, type DevServer } from '../support/dev-server';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

/** `slipway admin smoke-test` as an operator runs it: SLIPWAY_URL and SLIPWAY_TOKEN, exit status and report. */
async function smokeTest(env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin', 'slipway.js'), 'admin', 'smoke-test', '--timeout', '240'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('slipway admin smoke-test', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the built-in pipeline to success against slipway dev and says so', async () => {
    const { code, out } = await smokeTest({ SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token });
    expect(out).toMatch(/Smoke test: pipeline 1 \(.+\) of gh\/slipway\/smoke-test on http/);
    expect(out).toContain('PASSED in');
    expect(code).toBe(0);
    // The job really ran its steps: the cache round trip printed its line.
    const jobs = await server.api('GET', '/api/v2/project/gh/slipway/smoke-test/job/1');
    expect(jobs.body.status).toBe('success');
    const detail = await server.api('GET', '/api/v1.1/project/github/slipway/smoke-test/1');
    const outputs = await Promise.all(
      detail.body.steps.flatMap((s: any) => s.actions.map(async (a: any) => (await (await fetch(a.output_url)).json()) as { message: string }[])),
    );
    expect(
      outputs
        .flat()
        .map((m) => m.message)
        .join(''),
    ).toContain('cache restored');
    // A second run reuses the project.
    const again = await smokeTest({ SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token });
    expect(again.out).toMatch(/pipeline 2 /);
    expect(again.code).toBe(0);
  }, 600_000);

  it("refuses a token that is not an instance administrator's, with the reason", async () => {
    const user = await server.api('POST', '/api/v2/slipway/users', { login: 'dev-one' });
    const token = await server.api('POST', `/api/v2/slipway/users/${user.body.id}/tokens`, { label: 'smoke' });
    const { code, out } = await smokeTest({ SLIPWAY_URL: server.url, SLIPWAY_TOKEN: token.body.token });
    expect(code).not.toBe(0);
    expect(out).toContain('Only instance administrators may run the smoke test.');
  }, 120_000);

  it('says where it could not reach Slipway', async () => {
    const { code, out } = await smokeTest({ SLIPWAY_URL: 'http://127.0.0.1:9', SLIPWAY_TOKEN: 'x' });
    expect(code).not.toBe(0);
    expect(out).toContain('Cannot reach Slipway at http://127.0.0.1:9');
  }, 120_000);
});
