import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { JobSpec, StepReport, TestCaseResult } from '../shared/model/job-spec';
import type { JobStatus } from '../shared/model/statuses';
import type { ReportReply } from './step-reporter';

export class ControlPlaneError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ControlPlaneError';
  }
}

/** How long a URL handed out with the spec is used (the control plane signs them for an hour). */
const PREFETCHED_URL_MS = 30 * 60 * 1000;

/** Connections to the control plane are kept open between requests (idle ones never keep the agent running). */
const keepAlive = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * One request with `node:http(s)`, which the agent loads at start anyway: `fetch` would load and compile its
 * own HTTP stack at the agent's first request, on the way from a task's dispatch to its first step.
 */
function send(url: string, method: string, token: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = (https ? httpsRequest : httpRequest)(u, { method, headers, agent: https ? keepAlive.https : keepAlive.http }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // As long as fetch would wait for an answer's headers.
    req.setTimeout(300_000, () => req.destroy(new Error(`${method} ${u.pathname}: no answer within 300 s`)));
    req.end(body);
  });
}

/**
 * The agent's side of the runner protocol (`/runner/v1`), authenticated by the task token. Transient
 * failures (network, 5xx, 429) are retried with backoff; 4xx are final.
 */
export class ControlPlaneClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        const res = await send(`${this.baseUrl}/runner/v1${path}`, method, this.token, body === undefined ? undefined : JSON.stringify(body));
        const text = res.text;
        if (res.status >= 200 && res.status < 300) return (text ? JSON.parse(text) : {}) as T;
        const message = (() => {
          try {
            return JSON.parse(text).message as string;
          } catch {
            return text;
          }
        })();
        if (res.status < 500 && res.status !== 429) throw new ControlPlaneError(`${method} ${path}: ${res.status} ${message}`, res.status);
        lastError = new ControlPlaneError(`${method} ${path}: ${res.status} ${message}`, res.status);
      } catch (e) {
        if (e instanceof ControlPlaneError && e.status < 500 && e.status !== 429) throw e;
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
    }
    throw lastError;
  }

  /** A test-results URL handed out with the spec, and when it arrived. */
  private prefetchedResultsUrl?: { url: string; at: number };

  /**
   * Takes the task: starts it and fetches its spec in one request. A control plane that answers with the spec
   * alone (`started` missing) gets the start request separately.
   */
  async accept(): Promise<JobSpec> {
    const { started, testResultsUrl, ...spec } = await this.call<JobSpec & { started?: boolean; testResultsUrl?: string }>('POST', '/task');
    if (!started) await this.start();
    if (testResultsUrl) this.prefetchedResultsUrl = { url: testResultsUrl, at: Date.now() };
    return spec;
  }
  fetchSpec(): Promise<JobSpec> {
    return this.call('GET', '/task');
  }
  start(): Promise<unknown> {
    return this.call('POST', '/task/start');
  }
  /** Step progress (and liveness); with `logUrls`, the reply also carries presigned URLs for those log chunks. */
  steps(steps: StepReport[], logUrls?: { step: number; from: number; count: number }): Promise<ReportReply & { logUrls?: string[] }> {
    return this.call('POST', '/task/steps', logUrls ? { steps, logUrls } : { steps });
  }
  heartbeat(): Promise<ReportReply> {
    return this.call('POST', '/task/heartbeat');
  }
  complete(status: JobStatus, steps: StepReport[]): Promise<unknown> {
    return this.call('POST', '/task/complete', { status, steps });
  }
  saveCache(key: string): Promise<{ exists: true } | { exists: false; url: string }> {
    return this.call('POST', '/task/cache/save', { key });
  }
  restoreCache(keys: string[]): Promise<{ key?: string; url?: string; size?: number }> {
    return this.call('POST', '/task/cache/restore', { keys });
  }
  workspaceLayerUrl(): Promise<{ url: string }> {
    return this.call('POST', '/task/workspace/persist');
  }
  workspaceLayers(): Promise<{ layers: Array<{ job: string; url: string; size: number }> }> {
    return this.call('POST', '/task/workspace/attach');
  }
  async artifactUrls(paths: string[]): Promise<string[]> {
    return (await this.call<{ urls: string[] }>('POST', '/task/artifacts', { paths })).urls;
  }
  /** The URL that came with the spec while it is well within its hour; otherwise a fresh one. */
  async testResultsUrl(): Promise<string> {
    const prefetched = this.prefetchedResultsUrl;
    if (prefetched && Date.now() - prefetched.at < PREFETCHED_URL_MS) return prefetched.url;
    return (await this.call<{ url: string }>('POST', '/task/test-results')).url;
  }
  timings(): Promise<{ source?: { jobNumber: number; branch: string }; tests: TestCaseResult[] }> {
    return this.call('GET', '/task/timings');
  }
  /** A fresh OIDC token for this task (`circleci run oidc get`), with the requested claims (audience). */
  async oidcToken(claims?: unknown): Promise<string> {
    return (await this.call<{ token: string }>('POST', '/task/oidc-token', claims === undefined ? {} : { claims })).token;
  }
  /** Exchanges the one-time task code this client was built with for the task's token (works once). */
  async exchangeCode(): Promise<string> {
    return (await this.call<{ task_token: string }>('POST', '/task/token')).task_token;
  }
  /** Rerun with SSH: one session event, for the audit log. */
  async sshSession(event: { event: 'opened' | 'closed' | 'refused'; login?: string; ip: string }): Promise<void> {
    await this.call('POST', '/task/ssh-session', event);
  }
  async logUrls(step: number, from: number, count: number): Promise<string[]> {
    return (await this.call<{ urls: string[] }>('POST', '/task/log-urls', { step, from, count })).urls;
  }
}
