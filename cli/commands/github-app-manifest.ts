import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';

/**
 * `slipway admin github-app create`: GitHub's App manifest flow. A page on localhost posts the manifest (webhook
 * URL, permissions, events of a Slipway App) to GitHub; the operator confirms there; GitHub redirects back with
 * a one-time code, which is converted (`POST /app-manifests/{code}/conversions`) into the App's id, private key,
 * webhook secret and OAuth client; these are stored in the stack's App secret **before** the App is installed,
 * so the first deliveries already verify. Nothing is written to disk.
 */
export interface ManifestFlowOptions {
  /** The stack's `ApiUrl` (webhooks go to `<ApiUrl>/webhooks/github`). */
  apiUrl: string;
  /** GitHub's web URL (`https://github.com`, or GitHub Enterprise Server's). */
  githubUrl: string;
  /** GitHub's REST API base URL (`https://api.github.com`, or `https://<host>/api/v3`). */
  githubApiUrl: string;
  /** Create the App under this organisation instead of the operator's account. */
  organization?: string;
  name: string;
  /** Stores the App secret JSON (Secrets Manager or SSM, see `storeAppSecret`). */
  store: (secretJson: string) => Promise<void>;
  /** Port on 127.0.0.1 for the page and the redirect (0: any). */
  port?: number;
  log?: (line: string) => void;
}

export interface AppSecret {
  appId: string;
  privateKey: string;
  webhookSecrets: string[];
  clientId?: string;
  clientSecret?: string;
}

/** The manifest of a Slipway App (https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest). */
export function slipwayAppManifest(name: string, apiUrl: string, redirectUrl: string): Record<string, unknown> {
  const base = apiUrl.replace(/\/$/, '');
  return {
    name,
    url: base,
    hook_attributes: { url: `${base}/webhooks/github`, active: true },
    redirect_url: redirectUrl,
    // Sign-in with GitHub (the App's OAuth client).
    callback_urls: [`${base}/api/v2/slipway/oauth/github/callback`],
    public: false,
    default_permissions: { contents: 'read', statuses: 'write', pull_requests: 'read', metadata: 'read' },
    default_events: ['push', 'pull_request'],
  };
}

/** The App secret (`{appId, privateKey, webhookSecrets, clientId, clientSecret}`) from GitHub's conversion answer. */
export function appSecretOf(conversion: { id: number; pem: string; webhook_secret: string | null; client_id: string; client_secret: string }): AppSecret {
  if (!conversion.webhook_secret) throw new Error('GitHub returned the App without a webhook secret; create it again (the manifest sets a webhook).');
  return {
    appId: String(conversion.id),
    privateKey: conversion.pem,
    webhookSecrets: [conversion.webhook_secret],
    clientId: conversion.client_id,
    clientSecret: conversion.client_secret,
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto">${body}</body>`;

/** Serves the flow until the App is created and stored; resolves the App's page URL and install URL. */
export function startManifestFlow(options: ManifestFlowOptions): {
  url: Promise<string>;
  done: Promise<{ htmlUrl: string; installUrl: string }>;
  server: Server;
} {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const state = randomBytes(16).toString('hex');
  const github = options.githubUrl.replace(/\/$/, '');
  const target = options.organization ? `${github}/organizations/${encodeURIComponent(options.organization)}/settings/apps/new` : `${github}/settings/apps/new`;
  let settle!: { resolve: (v: { htmlUrl: string; installUrl: string }) => void; reject: (e: Error) => void };
  const done = new Promise<{ htmlUrl: string; installUrl: string }>((resolve, reject) => (settle = { resolve, reject }));
  let redirectUrl = '';
  let converting = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, html: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    if (req.method === 'GET' && url.pathname === '/') {
      const manifest = JSON.stringify(slipwayAppManifest(options.name, options.apiUrl, redirectUrl));
      return send(
        200,
        page(
          'Create the Slipway GitHub App',
          `<form method="post" action="${escapeHtml(target)}?state=${state}"><input type="hidden" name="manifest" value="${escapeHtml(manifest)}"><p>Create the GitHub App <b>${escapeHtml(options.name)}</b> for ${escapeHtml(options.apiUrl)}.</p><button type="submit">Create on GitHub</button></form>`,
        ),
      );
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const code = url.searchParams.get('code');
      if (url.searchParams.get('state') !== state || !code)
        return send(
          400,
          page('Refused', '<p>This redirect does not belong to this run (state mismatch or no code). Start again from the page the CLI printed.</p>'),
        );
      if (converting) return send(409, page('Already done', '<p>This run has already received its code.</p>'));
      converting = true;
      void convertAndStore(options, code).then(
        (result) => {
          send(
            200,
            page(
              'Slipway GitHub App created',
              `<p>The App is created and its key is stored in the stack's secret.</p><p>Now <a href="${escapeHtml(result.installUrl)}">install it</a> on the organisations or repositories that should build.</p>`,
            ),
          );
          log(`GitHub App created (${result.htmlUrl}); its secret is stored. Install it: ${result.installUrl}`);
          settle.resolve(result);
        },
        (e: Error) => {
          send(502, page('Failed', `<p>${escapeHtml(e.message)}</p>`));
          settle.reject(e);
        },
      );
      return;
    }
    send(404, page('Not found', '<p>Open the page the CLI printed.</p>'));
  });
  const url = new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      redirectUrl = `${base}/callback`;
      resolve(`${base}/`);
    });
  });
  return { url, done, server };
}

async function convertAndStore(options: ManifestFlowOptions, code: string): Promise<{ htmlUrl: string; installUrl: string }> {
  const octokit = new Octokit({ baseUrl: options.githubApiUrl.replace(/\/$/, ''), userAgent: 'slipway' });
  let conversion;
  try {
    conversion = (await octokit.rest.apps.createFromManifest({ code })).data;
  } catch (e) {
    throw new Error(`GitHub refused the manifest code (${(e as Error).message}); codes expire after an hour and work once: start again.`, { cause: e });
  }
  await options.store(JSON.stringify(appSecretOf(conversion as Parameters<typeof appSecretOf>[0])));
  return { htmlUrl: conversion.html_url, installUrl: `${conversion.html_url}/installations/new` };
}
