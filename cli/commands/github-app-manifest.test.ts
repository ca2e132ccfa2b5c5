import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadGitHubSettings } from '../../shared/adapters/vcs/github-app-config';
import { startManifestFlow } from './github-app-manifest';

/** GitHub at the edge: only the manifest conversion endpoint, answering one known code. */
async function fakeGitHub(): Promise<{ url: string; server: Server; conversions: string[] }> {
  const conversions: string[] = [];
  const server = createServer((req, res) => {
    const m = /^\/app-manifests\/([^/]+)\/conversions$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return res.writeHead(404).end();
    conversions.push(m[1]);
    if (m[1] !== 'good-code') return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
    res.writeHead(201, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 4242,
        slug: 'slipway-ci',
        pem: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n',
        webhook_secret: 'whsec',
        client_id: 'Iv1.client',
        client_secret: 'csecret',
        html_url: 'https://github.example/apps/slipway-ci',
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, conversions };
}

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

describe('GitHub App manifest flow', () => {
  let github: Awaited<ReturnType<typeof fakeGitHub>>;
  beforeAll(async () => (github = await fakeGitHub()));
  afterAll(() => github.server.close());

  async function begin(organization?: string) {
    const stored: string[] = [];
    const flow = startManifestFlow({
      apiUrl: 'https://ci.example.com/',
      githubUrl: 'https://github.example',
      githubApiUrl: github.url,
      organization,
      name: 'Slipway CI',
      store: async (json) => void stored.push(json),
      log: () => undefined,
    });
    const url = await flow.url;
    const html = await (await fetch(url)).text();
    const action = unescape(/action="([^"]+)"/.exec(html)![1]);
    const manifest = JSON.parse(unescape(/name="manifest" value="([^"]+)"/.exec(html)![1]));
    return { flow, url, action, manifest, stored, state: new URL(action).searchParams.get('state')! };
  }

  it("posts Slipway's manifest to GitHub, converts the returned code and stores the App secret before the install link is shown", async () => {
    const { flow, url, action, manifest, stored, state } = await begin();
    try {
      expect(action).toBe(`https://github.example/settings/apps/new?state=${state}`);
      expect(manifest).toMatchObject({
        name: 'Slipway CI',
        hook_attributes: { url: 'https://ci.example.com/webhooks/github', active: true },
        redirect_url: `${url}callback`,
        callback_urls: ['https://ci.example.com/api/v2/slipway/oauth/github/callback'],
        public: false,
        default_permissions: { contents: 'read', statuses: 'write', pull_requests: 'read', metadata: 'read' },
        default_events: ['push', 'pull_request'],
      });
      // A redirect that is not this run's is refused, and nothing is converted or stored.
      expect((await fetch(`${url}callback?code=good-code&state=other`)).status).toBe(400);
      expect(stored).toEqual([]);
      const res = await fetch(`${url}callback?code=good-code&state=${state}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('href="https://github.example/apps/slipway-ci/installations/new"');
      expect(await flow.done).toEqual({
        htmlUrl: 'https://github.example/apps/slipway-ci',
        installUrl: 'https://github.example/apps/slipway-ci/installations/new',
      });
      expect(github.conversions).toEqual(['good-code']);
      // What was stored is what the functions read as the App secret.
      const settings = loadGitHubSettings({ secretJson: stored[0] }, () => undefined);
      expect(settings.app).toMatchObject({ appId: '4242' });
      expect(settings.webhookSecrets).toEqual(['whsec']);
      expect(settings.oauth).toEqual({ clientId: 'Iv1.client', clientSecret: 'csecret' });
    } finally {
      flow.server.close();
    }
  });

  it('creates the App under an organisation when asked, and says how to recover from a spent code', async () => {
    const { flow, url, action, stored, state } = await begin('acme');
    try {
      expect(action).toBe(`https://github.example/organizations/acme/settings/apps/new?state=${state}`);
      const failed = expect(flow.done).rejects.toThrow(/GitHub refused the manifest code .*start again/);
      const res = await fetch(`${url}callback?code=spent-code&state=${state}`);
      expect(res.status).toBe(502);
      await failed;
      expect(stored).toEqual([]);
    } finally {
      flow.server.close();
    }
  });
});
