import { createHash, generateKeyPairSync } from 'node:crypto';
import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
parameters:
  fp: { type: string, default: "" }
jobs:
  keys:
    docker: [{ image: cimg/base:stable }]
    steps:
      - add_ssh_keys:
          fingerprints: [<< pipeline.parameters.fp >>]
      - run: |
          for f in ~/.ssh/id_rsa_*; do echo "key file $(basename "$f") $(stat -c %a "$f") sha256 $(sha256sum < "$f" | cut -c1-64)"; ssh-keygen -y -f "$f"; done
          cat ~/.ssh/config
          echo "printing the key:"; cat ~/.ssh/id_rsa_*
workflows:
  main: { jobs: [keys] }
`;

const SLUG = 'gh/acme/ssh-keys';
const md5Of = (publicKeyLine: string) =>
  createHash('md5')
    .update(Buffer.from(publicKeyLine.split(' ')[1], 'base64'))
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');

describe('project SSH keys (slipway dev)', () => {
  let server: DevServer;
  /** Every response body the test saw, to prove no private key ever comes back. */
  const seen: string[] = [];
  let api: DevServer['api'];

  beforeAll(async () => {
    server = await startDevServer();
    const checked = checkedApi(server);
    api = async (method, path, body, token) => {
      const res = await checked(method, path, body, token);
      seen.push(JSON.stringify(res.body));
      return res;
    };
    const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('creates, lists, reads and deletes a deploy checkout key as the CircleCI API does', async () => {
    const created = await api('POST', `/api/v2/project/${SLUG}/checkout-key`, { type: 'deploy-key' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      'public-key': expect.stringMatching(/^ssh-ed25519 AAAA\S+ /),
      type: 'deploy-key',
      fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
      preferred: true,
      'created-at': expect.any(String),
    });
    expect(created.body.fingerprint).toBe(md5Of(created.body['public-key']));

    const list = await api('GET', `/api/v2/project/${SLUG}/checkout-key`);
    expect(list.body).toEqual({ items: [created.body], next_page_token: null });
    const sha = (await api('GET', `/api/v2/project/${SLUG}/checkout-key?digest=sha256`)).body.items[0].fingerprint;
    expect(sha).toBe(
      `SHA256:${createHash('sha256')
        .update(Buffer.from(created.body['public-key'].split(' ')[1], 'base64'))
        .digest('base64')
        .replace(/=+$/, '')}`,
    );
    expect((await api('GET', `/api/v2/project/${SLUG}/checkout-key/${created.body.fingerprint}`)).body).toEqual(created.body);
    expect((await api('GET', `/api/v2/project/${SLUG}/checkout-key/${encodeURIComponent(sha)}`)).body).toEqual({ ...created.body, fingerprint: sha });

    const userKey = await api('POST', `/api/v2/project/${SLUG}/checkout-key`, { type: 'user-key' });
    expect(userKey.status).toBe(400);
    expect(userKey.body.message).toMatch(/deploy-key/);
    expect((await api('POST', `/api/v2/project/${SLUG}/checkout-key`, { type: 'nope' })).status).toBe(400);

    expect(await api('DELETE', `/api/v2/project/${SLUG}/checkout-key/${created.body.fingerprint}`)).toEqual({ status: 200, body: { message: 'OK' } });
    expect((await api('GET', `/api/v2/project/${SLUG}/checkout-key/${created.body.fingerprint}`)).status).toBe(404);
    expect((await api('GET', `/api/v2/project/${SLUG}/checkout-key`)).body.items).toEqual([]);
  });

  it('writes an additional SSH key into ~/.ssh of the job with add_ssh_keys, never showing its private key', async () => {
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const bodyLines = privateKey.trim().split('\n').slice(1, -1);
    const [vcs, org, repo] = SLUG.split('/');
    const v1 = `/api/v1.1/project/${vcs}/${org}/${repo}/ssh-key`;

    const refused = await api('POST', v1, { hostname: 'git.example.com', private_key: 'ssh-rsa AAAA not-a-private-key' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/must be a private key/);
    const added = await api('POST', v1, { hostname: 'git.example.com', private_key: privateKey });
    expect(added.status).toBe(201);
    const fp = added.body.fingerprint;
    expect(added.body).toEqual({
      hostname: 'git.example.com',
      fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/),
      sha256_fingerprint: expect.stringMatching(/^SHA256:/),
      created_at: expect.any(String),
    });
    expect((await api('GET', v1)).body).toEqual([added.body]);

    const trigger = await api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main', parameters: { fp } });
    const { jobs } = await workflowOf(server, trigger.body.id);
    expect(jobs.keys.status).toBe('success');
    const out = await jobOutput(server, SLUG, jobs.keys.job_number);
    seen.push(out);
    const file = `id_rsa_${fp.replace(/:/g, '')}`;
    const sha256 = createHash('sha256').update(`${privateKey.trim()}\n`).digest('hex');
    expect(out).toContain(`Added SSH key ${fp} for git.example.com`);
    expect(out).toContain(`key file ${file} 600 sha256 ${sha256}`);
    // ssh-keygen -y read the written file back: its public key has the fingerprint the API reported.
    expect(md5Of(/^ssh-rsa \S+$/m.exec(out)![0])).toBe(fp);
    expect(out).toMatch(new RegExp(`Host git\\.example\\.com\\n  IdentityFile \\S+/\\.ssh/${file}`));
    expect(out).toContain('printing the key:\n********');

    for (const line of bodyLines) for (const text of seen) expect(text).not.toContain(line);

    expect((await api('DELETE', v1, { fingerprint: fp, hostname: 'git.example.com' })).body).toEqual({ message: 'OK' });
    expect((await api('GET', v1)).body).toEqual([]);
    expect((await api('DELETE', v1, { fingerprint: fp })).status).toBe(404);
  });
});
