import { sign } from '@octokit/webhooks-methods';
import { execFileSync } from 'node:child_process';
import { createVerify, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepository {
  /** A git repository on disk that backs commits and contents. */
  dir: string;
  installationId: number;
}

export interface RecordedStatus {
  repository: string;
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

export interface FakeGitHub {
  /** REST API base URL (`GITHUB_API_URL`). */
  url: string;
  statuses: RecordedStatus[];
  /** Every request: method, path (with query) and the kind of credential it carried. */
  requests: Array<{ method: string; path: string; auth: 'jwt' | 'token' | 'none' }>;
  /** Installation tokens issued so far. */
  issuedTokens: string[];
  /** True for an unexpired installation token that reaches `repository`. */
  tokenReaches(token: string, repository: string): boolean;
  /**
   * The next `count` status posts answer `status` (e.g. 502), or a primary rate limit when status is 403;
   * replaces failures still pending (a count of 0 clears them).
   */
  failNextStatuses(count: number, status: number): void;
  addRepository(fullName: string, repo: FakeRepository): void;
  stop(): Promise<void>;
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Verifies an RS256 JWT made by the App's private key; resolves its claims or undefined. */
function verifyJwt(token: string, publicKey: string, appId: string, now: number): Record<string, unknown> | undefined {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return undefined;
  if (b64urlJson(h).alg !== 'RS256') return undefined;
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url'));
  const claims = b64urlJson(p);
  if (!ok || String(claims.iss) !== appId || Number(claims.exp) * 1000 < now || Number(claims.iat) * 1000 > now + 60_000) return undefined;
  return claims;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
  });
  res.end(text);
}

function git(dir: string, ...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/**
 * A small GitHub REST API on loopback for tests: App installation tokens (JWT verified with the App's public
 * key), repository installation lookup, commits and contents backed by real git repositories, and commit
 * statuses (recorded, with injectable failures). Tokens expire after `tokenTtlSeconds`.
 */
export async function startFakeGitHub(options: {
  appId: string;
  publicKey: string;
  tokenTtlSeconds?: number;
  repositories?: Record<string, FakeRepository>;
}): Promise<FakeGitHub> {
  const repos = new Map<string, FakeRepository>(Object.entries(options.repositories ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const tokens = new Map<string, { installationId: number; expiresAt: number }>();
  const statuses: RecordedStatus[] = [];
  const requests: FakeGitHub['requests'] = [];
  const issuedTokens: string[] = [];
  const failures: number[] = [];

  const tokenFor = (req: IncomingMessage) => /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const installationOf = (token: string | undefined) => {
    const t = token ? tokens.get(token) : undefined;
    return t && t.expiresAt > Date.now() ? t.installationId : undefined;
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const credential = tokenFor(req);
    const isJwt = Boolean(credential && credential.split('.').length === 3);
    requests.push({
      method: req.method ?? 'GET',
      path: `${path}${url.search}`,
      auth: credential ? (isJwt ? 'jwt' : 'token') : 'none',
    });
    const body = await readBody(req);
    let m: RegExpExecArray | null;

    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)) && req.method === 'POST') {
      if (!credential || !verifyJwt(credential, options.publicKey, options.appId, Date.now()))
        return send(res, 401, { message: 'A JSON web token could not be decoded' });
      const installationId = Number(m[1]);
      if (![...repos.values()].some((r) => r.installationId === installationId)) return send(res, 404, { message: 'Not Found' });
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      const expiresAt = Date.now() + (options.tokenTtlSeconds ?? 3600) * 1000;
      tokens.set(token, { installationId, expiresAt });
      issuedTokens.push(token);
      return send(res, 201, {
        token,
        expires_at: new Date(expiresAt).toISOString(),
        permissions: { contents: 'read', statuses: 'write' },
        repository_selection: 'selected',
      });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path))) {
      if (!credential || !verifyJwt(credential, options.publicKey, options.appId, Date.now()))
        return send(res, 401, { message: 'A JSON web token could not be decoded' });
      const repo = repos.get(`${m[1]}/${m[2]}`.toLowerCase());
      return repo ? send(res, 200, { id: repo.installationId, account: { login: m[1] } }) : send(res, 404, { message: 'Not Found' });
    }
    const rm = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(path);
    const fullName = rm ? `${rm[1]}/${rm[2]}`.toLowerCase() : '';
    const repo = repos.get(fullName);
    if (!rm || !repo) return send(res, 404, { message: 'Not Found' });
    if (installationOf(credential) !== repo.installationId) return send(res, 401, { message: 'Bad credentials' });
    const rest = decodeURIComponent(rm[3]);

    if ((m = /^commits\/([^/]+)\/statuses$/.exec(rest)) && req.method === 'GET') {
      return send(res, 200, statuses.filter((s) => s.repository === fullName && s.sha === m![1]).reverse());
    }
    if ((m = /^commits\/(.+)$/.exec(rest)) && req.method === 'GET') {
      const sha = git(repo.dir, 'rev-parse', '--verify', '--quiet', `${m[1]}^{commit}`)?.trim();
      if (!sha) return send(res, 422, { message: `No commit found for SHA: ${m[1]}` });
      const [message, name] = git(repo.dir, 'log', '-1', '--format=%B%x00%an', sha)!.split('\0');
      return send(res, 200, {
        sha,
        commit: { message: message.replace(/\n+$/, ''), author: { name: name.trim() } },
      });
    }
    if ((m = /^git\/trees\/(.+)$/.exec(rest)) && req.method === 'GET') {
      const listing = git(repo.dir, 'ls-tree', '-r', '-t', '-z', m[1]);
      if (listing === undefined) return send(res, 404, { message: 'Not Found' });
      const tree = listing
        .split('\0')
        .filter(Boolean)
        .map((line) => {
          const [info, path] = line.split('\t');
          const [mode, type, sha] = info.split(' ');
          return { path, mode, type, sha };
        });
      return send(res, 200, { sha: m[1], tree, truncated: false });
    }
    if ((m = /^contents\/(.+)$/.exec(rest)) && req.method === 'GET') {
      const ref = url.searchParams.get('ref') ?? 'HEAD';
      // A folder answers with its entries, whatever the media type (GitHub's contents API).
      if (git(repo.dir, 'cat-file', '-t', `${ref}:${m[1]}`)?.trim() === 'tree') {
        const entries = git(repo.dir, 'ls-tree', '--name-only', `${ref}:${m[1]}`)!.split('\n').filter(Boolean);
        return send(
          res,
          200,
          entries.map((name) => ({ type: 'file', name, path: `${m![1]}/${name}` })),
        );
      }
      const text = git(repo.dir, 'cat-file', 'blob', `${ref}:${m[1]}`);
      if (text === undefined) return send(res, 404, { message: 'Not Found' });
      if (/raw/.test(req.headers.accept ?? '')) return send(res, 200, text);
      return send(res, 200, {
        type: 'file',
        path: m[1],
        encoding: 'base64',
        content: Buffer.from(text).toString('base64'),
      });
    }
    if ((m = /^statuses\/([0-9a-f]{40})$/.exec(rest)) && req.method === 'POST') {
      const fail = failures.shift();
      if (fail === 403)
        return send(
          res,
          403,
          { message: 'API rate limit exceeded' },
          { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
        );
      if (fail) return send(res, fail, { message: 'Server Error' });
      const input = JSON.parse(body || '{}');
      if (!['pending', 'success', 'failure', 'error'].includes(input.state)) return send(res, 422, { message: 'Validation Failed' });
      statuses.push({
        repository: fullName,
        sha: m[1],
        state: input.state,
        context: input.context ?? 'default',
        description: input.description,
        target_url: input.target_url,
      });
      return send(res, 201, { state: input.state, context: input.context });
    }
    return send(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v3`,
    statuses,
    requests,
    issuedTokens,
    tokenReaches: (token, repository) => {
      const repo = repos.get(repository.toLowerCase());
      return Boolean(repo && installationOf(token) === repo.installationId);
    },
    failNextStatuses: (count, status) => void failures.splice(0, failures.length, ...Array.from({ length: count }, () => status)),
    addRepository: (fullName, repo) => void repos.set(fullName.toLowerCase(), repo),
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A real payload of `event` from @octokit/webhooks-examples (the first that `match`es), deep-copied. */
export function examplePayload(event: string, match: (payload: any) => boolean = () => true): any {
  const all = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{
    name: string;
    examples: unknown[];
  }>;
  const found = all.find((e) => e.name === event)?.examples.find(match);
  if (!found) throw new Error(`No @octokit/webhooks-examples payload for ${event} matches`);
  return JSON.parse(JSON.stringify(found));
}

/**
 * Posts a delivery to `<baseUrl>/webhooks/github` as GitHub does: JSON body, event and delivery id headers,
 * `X-Hub-Signature-256` made with `secret` by @octokit/webhooks-methods (none when `secret` is null).
 * `body` overrides the serialised payload (for malformed deliveries).
 */
export async function deliver(
  baseUrl: string,
  event: string,
  payload: unknown,
  options: { secret: string | null; id?: string; body?: string; signature?: string },
): Promise<{ status: number; message: string }> {
  const body = options.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': options.id ?? randomBytes(8).toString('hex'),
    'user-agent': 'GitHub-Hookshot/test',
  };
  const signature = options.signature ?? (options.secret ? await sign(options.secret, body) : undefined);
  if (signature) headers['x-hub-signature-256'] = signature;
  const res = await fetch(`${baseUrl}/webhooks/github`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, message: text ? (JSON.parse(text) as { message: string }).message : '' };
}
