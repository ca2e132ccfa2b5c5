import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(120_000);

// Tokens are masked in output like every secret: the job prints them rot13'd, the test turns them back.
const ROT13 = `tr 'A-Za-z' 'N-ZA-Mn-za-m'`;
const CONFIG = `version: 2.1
jobs:
  deploy:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: |
          echo "v1 $(printf %s "$CIRCLE_OIDC_TOKEN" | ${ROT13})"
          echo "v2 $(printf %s "$CIRCLE_OIDC_TOKEN_V2" | ${ROT13})"
          echo "got $(circleci run oidc get --claims '{"aud": "sts.amazonaws.com"}' | ${ROT13})"
          circleci run oidc get --claims '{"sub": "someone-else"}' || echo "refused sub"
workflows:
  main: { jobs: [{ deploy: { context: [aws-deploy] } }] }
`;
const SLUG = 'gh/acme/oidc';
const rot13 = (s: string) => s.replace(/[A-Za-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - (c <= 'Z' ? 65 : 97) + 13) % 26) + (c <= 'Z' ? 65 : 97)));

describe('OIDC tokens in jobs (slipway dev)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  let project: { id: string; organization_id: string };
  let contextId: string;

  async function runJob(): Promise<{ v1: string; v2: string; got: string; out: string; workflowId: string; jobId: string; pipelineId: string }> {
    const trigger = await api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowOf(server, trigger.body.id);
    const out = await jobOutput(server, SLUG, jobs.deploy.job_number);
    expect(jobs.deploy.status).toBe('success');
    const token = (name: string) => rot13(new RegExp(`^${name} (\\S+)$`, 'm').exec(out)![1]);
    return { v1: token('v1'), v2: token('v2'), got: token('got'), out, workflowId: workflow.id, jobId: jobs.deploy.id, pipelineId: trigger.body.id };
  }

  /** Verifies a token as an outside party would: issuer discovery document → JWKS → signature and claims. */
  async function verify(token: string, audience: string, currentDate?: Date) {
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    return jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer: discovery.issuer, audience, algorithms: ['ES256'], currentDate });
  }

  beforeAll(async () => {
    server = await startDevServer();
    api = checkedApi(server);
    const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
    project = (await api('GET', `/api/v2/project/${SLUG}`)).body;
    contextId = (await server.api('POST', '/api/v2/context', { name: 'aws-deploy', owner: { slug: 'gh/acme' } })).body.id;
  }, 90_000);
  afterAll(async () => server?.stop());

  it('publishes a discovery document and cacheable keys at the public URL', async () => {
    const res = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.json()).toMatchObject({
      issuer: server.url,
      jwks_uri: `${server.url}/.well-known/jwks-pub.json`,
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const jwks = await fetch(`${server.url}/.well-known/jwks-pub.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await jwks.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) })]);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it("gives a job CircleCI's tokens, verifiable against the issuer's keys, with the documented claims, refused after exp", async () => {
    const me = (await api('GET', '/api/v2/me')).body;
    const run = await runJob();
    expect(run.out).not.toContain(run.v1);
    const org = project.organization_id;
    const { payload } = await verify(run.v1, org);
    const sub = `org/${org}/project/${project.id}/user/${me.id}`;
    expect(payload).toMatchObject({
      iss: server.url,
      sub,
      aud: org,
      'oidc.circleci.com/project-id': project.id,
      'oidc.circleci.com/context-ids': [contextId],
      'oidc.circleci.com/vcs-ref': 'refs/heads/main',
      'oidc.circleci.com/ssh-rerun': false,
      'oidc.circleci.com/pipeline-id': run.pipelineId,
      'oidc.circleci.com/workflow-id': run.workflowId,
      'oidc.circleci.com/job-id': run.jobId,
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    const origin = payload['oidc.circleci.com/vcs-origin'];
    expect(origin).toEqual(expect.any(String));
    expect((await verify(run.v2, org)).payload.sub).toBe(`${sub}/vcs-origin/${origin}/vcs-ref/refs/heads/main`);

    // `circleci run oidc get` inside the job: a fresh token with the requested audience; other claims refused.
    expect((await verify(run.got, 'sts.amazonaws.com')).payload.sub).toBe(`${sub}/vcs-origin/${origin}/vcs-ref/refs/heads/main`);
    expect(run.out).toMatch(/may set only "aud"; "sub" is set by Slipway[\s\S]*refused sub/);

    await expect(verify(run.v1, org, new Date((payload.exp! + 1) * 1000))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(verify(run.v1, 'someone-else')).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('manages custom claims per organisation and project, and the next job gets them', async () => {
    const org = project.organization_id;
    const orgPath = `/api/v2/org/${org}/oidc-custom-claims`;
    const projectPath = `/api/v2/org/${org}/project/${project.id}/oidc-custom-claims`;
    expect((await api('GET', orgPath)).body).toEqual({ org_id: org });
    expect((await api('PATCH', orgPath, { audience: ['org-audience'], ttl: '2h' })).body).toEqual({
      org_id: org,
      audience: ['org-audience'],
      audience_updated_at: expect.any(String),
      ttl: '2h',
      ttl_updated_at: expect.any(String),
    });
    const patched = await api('PATCH', projectPath, { audience: ['vault', 'sts.amazonaws.com'] });
    expect(patched.body).toEqual({ org_id: org, project_id: project.id, audience: ['vault', 'sts.amazonaws.com'], audience_updated_at: expect.any(String) });
    expect((await api('GET', projectPath)).body).toEqual(patched.body);

    const bad = await api('PATCH', projectPath, { ttl: '1y' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/ttl "1y" is not a duration/);
    expect((await api('PATCH', projectPath, { ttl: '48h' })).body.message).toMatch(/between 5m and 24h/);
    expect((await api('DELETE', orgPath)).body.message).toMatch(/claims query parameter is required/);
    expect((await api('GET', `/api/v2/org/${crypto.randomUUID()}/oidc-custom-claims`)).body.error).toMatch(/No organization \S+ is known to you/);

    // The project's audience wins over the organisation's; the lifetime comes from the organisation.
    const { v1 } = await runJob();
    const { payload } = await verify(v1, 'vault');
    expect(payload.aud).toEqual(['vault', 'sts.amazonaws.com']);
    expect(payload.exp! - payload.iat!).toBe(7200);

    expect((await api('DELETE', `${projectPath}?claims=audience`)).body).toEqual({ org_id: org, project_id: project.id });
    expect((await api('DELETE', `${orgPath}?claims=audience,ttl`)).body).toEqual({ org_id: org });
    const after = decodeJwt((await runJob()).v1);
    expect(after.aud).toBe(org);
    expect(after.exp! - after.iat!).toBe(3600);
  });
});
