import { request } from 'node:http';
import { waitFor } from '../support/dev-server';
import { jobSteps, settle, startHarness, trigger, type Harness } from './support';

/** A POST on its own connection (an early 413 leaves the rest of the upload unread on that socket). */
function postAlone(url: string, token: string, body: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'Circle-Token': token } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const BOMB = `version: 2.1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo *i
workflows:
  main:
    jobs: [build]
`;

const INVALID_UTF8 = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: printf 'before \\377\\376 after\\n'
workflows:
  main:
    jobs: [build]
`;

describe('reliability: hostile input', () => {
  let h: Harness;
  const healthy = async () => expect((await h.server.api('GET', '/healthz', undefined, null)).status).toBe(200);
  beforeAll(async () => {
    h = await startHarness({}, INVALID_UTF8);
  }, 90_000);
  afterAll(async () => h?.server.stop());

  it('answers a 10 MB body with 413 and a clear message', async () => {
    const res = await postAlone(`${h.server.url}/api/v2/project/${h.slug}/pipeline`, h.server.token, JSON.stringify({ branch: 'x'.repeat(10 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/exceeds \d+ bytes/);
    await healthy();
  });

  it('answers deeply nested JSON with 400', async () => {
    const depth = 200_000;
    const res = await h.server.api('POST', `/api/v2/project/${h.slug}/pipeline`, `{"parameters":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.any(String));
    await healthy();
  });

  it('keeps invalid UTF-8 in step output as replacement characters, losing nothing around it', async () => {
    const [p] = await trigger(h, 1);
    const [outcome] = await settle(h, [p]);
    expect(outcome.jobs[0].status).toBe('success');
    const output = (await jobSteps(h, outcome.jobs[0].job_number)).map((s) => s.actions[0].output).join('');
    expect(output).toContain('before \uFFFD\uFFFD after\n');
    await healthy();
  });

  it('errors a pipeline whose config is a YAML alias bomb, with a clear message, and stays responsive', async () => {
    h.repo.commit({ '.circleci/config.yml': BOMB }, 'alias bomb');
    const [p] = await trigger(h, 1);
    const pipeline = await waitFor(
      async () => {
        const r = await h.server.api('GET', `/api/v2/pipeline/${p.id}`);
        return r.body.state === 'pending' ? undefined : r.body;
      },
      'the alias bomb pipeline to be processed',
      30_000,
    );
    expect(pipeline.state).toBe('errored');
    expect(pipeline.errors[0]).toEqual(expect.objectContaining({ type: 'config', message: expect.stringMatching(/config\.yml:\d+:\d+: .*alias/i) }));
    expect((await h.server.api('GET', `/api/v2/pipeline/${p.id}/workflow`)).body.items).toEqual([]);
    await healthy();
  }, 60_000);
});
