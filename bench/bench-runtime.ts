import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ControlPlaneClient } from '../agent/client';
import { PresignedLogSink, StepLogStream } from '../agent/log-stream';
import { SecretMasker } from '../agent/mask';
import { StepReporter } from '../agent/step-reporter';
import { agentCommand } from '../local/agent-bundle';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';
import { createAwsClients, processRequestCounter } from '../shared/adapters/aws/clients';
import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoTable } from '../shared/adapters/aws/dynamo-table';
import type { RequestCounter } from '../shared/adapters/aws/request-counter';
import type { StepReport } from '../shared/model/job-spec';
import { isTerminalWorkflow, type JobStatus } from '../shared/model/statuses';
import { benchTmp } from './standalone';

/**
 * One in-process local runtime (`startLocalRuntime`, the same as `slipway dev`) for the control-plane
 * figures, with every AWS request counted. Tasks go either to the real host agent (`real` mode: one process
 * per task, as `slipway dev` runs them) or to an in-process protocol driver (`inline` mode: the agent's
 * request sequence over HTTP, at most `inlineConcurrency` at a time), so 1,000 jobs do not need 1,000 Node
 * processes on a 2-core machine.
 */
export class BenchRuntime {
  mode: 'real' | 'inline' = 'real';
  completed = 0;
  private queue: string[] = [];
  private active = 0;

  private constructor(
    readonly runtime: LocalRuntime,
    readonly counter: RequestCounter,
    private readonly driver: Server,
    private readonly modeFile: string,
    readonly dataDir: string,
    readonly s3: S3Client,
    readonly store: DynamoPipelineStore,
    private readonly inlineConcurrency: number,
    /** The argv that starts the host agent (what `real` mode runs for each task). */
    readonly agentCommand: string[],
  ) {}

  static async start(inlineConcurrency = 24): Promise<BenchRuntime> {
    process.env.SLIPWAY_COUNT_REQUESTS = '1';
    process.env.LOG_LEVEL ??= 'ERROR';
    const dataDir = benchTmp('runtime');
    const modeFile = join(dataDir, 'real-agent');
    const real = await agentCommand(dataDir);
    const holder: { rt?: BenchRuntime } = {};
    const driver = createServer((req, res) => {
      let token = '';
      req.on('data', (d) => (token += d));
      req.on('end', () => {
        res.writeHead(202).end();
        // A warm standby agent passes its task as a JSON line on stdin; a task-mode one its bare token.
        if (token.trimStart().startsWith('{')) token = (JSON.parse(token) as { token: string }).token;
        holder.rt?.enqueue(token);
      });
    });
    await new Promise<void>((r) => driver.listen(0, '127.0.0.1', r));
    const driverUrl = `http://127.0.0.1:${(driver.address() as AddressInfo).port}/task`;
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const shim = [
      '/bin/sh',
      '-c',
      `if [ -e ${q(modeFile)} ]; then exec ${real.map(q).join(' ')} "$@"; elif [ "$1" = standby ]; then exec curl -s -o /dev/null --data-binary @- ${driverUrl}; else exec curl -s -o /dev/null --data-binary "$SLIPWAY_TASK_TOKEN" ${driverUrl}; fi`,
      'agent',
    ];
    const runtime = await startLocalRuntime({
      port: 0,
      dataDir,
      adminToken: 'bench-admin-token',
      agentCommand: shim,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const counter = processRequestCounter()!;
    // The bench's own reads are not counted: these clients come from an environment without the hook.
    const clients = createAwsClients({ ...process.env, ...runtime.emulatorEnv, SLIPWAY_COUNT_REQUESTS: undefined });
    const store = new DynamoPipelineStore(new DynamoTable(clients.dynamo, 'slipway'));
    const rt = new BenchRuntime(runtime, counter, driver, modeFile, dataDir, clients.s3, store, inlineConcurrency, real);
    holder.rt = rt;
    rt.setMode('real');
    return rt;
  }

  setMode(mode: 'real' | 'inline'): void {
    this.mode = mode;
    if (mode === 'real') writeFileSync(this.modeFile, '');
    else rmSync(this.modeFile, { force: true });
  }

  async api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(`${this.runtime.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'Circle-Token': this.runtime.adminToken },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A kept-alive connection the server closed while idle (after a long figure) fails before the request is
    // read: sent again on a new connection, once.
    const res = await send().catch((e: Error & { cause?: { code?: string } }) => {
      if (['UND_ERR_SOCKET', 'ECONNRESET'].includes(e.cause?.code ?? '')) return send();
      throw e;
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A git repository with `.circleci/config.yml` on each branch, registered as project `gh/bench/<name>`. */
  async addProject(name: string, branches: Record<string, string>): Promise<string> {
    const dir = join(this.dataDir, 'repos', name);
    mkdirSync(dir, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', ...args], { cwd: dir, stdio: 'ignore' });
    if (!existsSync(join(dir, '.git'))) git('init', '--quiet', '--initial-branch=main');
    for (const [branch, config] of Object.entries(branches)) {
      git('checkout', '--quiet', '-B', branch, ...(branch === 'main' ? [] : ['main']));
      mkdirSync(join(dir, '.circleci'), { recursive: true });
      writeFileSync(join(dir, '.circleci', 'config.yml'), config);
      git('add', '-A');
      git('commit', '--quiet', '--allow-empty', '-m', `bench ${branch}`);
    }
    const slug = `gh/bench/${name}`;
    await this.api('POST', `/api/v2/project/${slug}`, { repo_url: pathToFileURL(dir).href, default_branch: 'main' });
    return slug;
  }

  trigger(slug: string, branch = 'main'): Promise<{ id: string; number: number; created_at: string }> {
    return this.api('POST', `/api/v2/project/${slug}/pipeline`, { branch });
  }

  /** Polls until the pipeline's workflows are all terminal; resolves them with their jobs. */
  async finished(pipelineId: string, timeoutMs: number, pollMs = 50): Promise<{ workflows: any[]; jobs: any[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.api('GET', `/api/v2/pipeline/${pipelineId}`);
      if (p.state === 'errored') throw new Error(`bench pipeline errored: ${JSON.stringify(p.errors)}`);
      const wfs = (await this.api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).items as any[];
      if (wfs.length && wfs.every((w) => w.stopped_at)) {
        const jobs = [];
        for (const w of wfs) jobs.push(...(await this.allJobs(w.id)));
        return { workflows: wfs, jobs };
      }
      if (Date.now() > deadline) throw new Error(`bench pipeline ${pipelineId} did not finish within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * Like `finished`, but read through the bench's own uncounted store clients, so that watching a measured run
   * does not bill the API requests and item reads of the watching to the jobs. Resolves the jobs' statuses.
   */
  async finishedUncounted(pipelineId: string, timeoutMs: number, pollMs = 250): Promise<JobStatus[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.store.getPipeline(pipelineId);
      if (p?.state === 'errored') throw new Error(`bench pipeline errored: ${JSON.stringify(p.errors)}`);
      const wfs = await this.store.listWorkflows(pipelineId);
      if (wfs.length && wfs.every((w) => isTerminalWorkflow(w.status)))
        return (await Promise.all(wfs.map((w) => this.store.listJobs(w.id)))).flat().map((j) => j.status);
      if (Date.now() > deadline) throw new Error(`bench pipeline ${pipelineId} did not finish within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async allJobs(workflowId: string): Promise<any[]> {
    const out = [];
    let token: string | null = null;
    do {
      const page: { items: any[]; next_page_token: string | null } = await this.api(
        'GET',
        `/api/v2/workflow/${workflowId}/job${token ? `?page-token=${token}` : ''}`,
      );
      out.push(...page.items);
      token = page.next_page_token;
    } while (token);
    return out;
  }

  /** Every object key in the bucket (the agents' presigned uploads are not seen by the SDK counter). */
  async objectKeys(): Promise<Map<string, number>> {
    const keys = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: 'slipway', ContinuationToken: token }));
      for (const o of page.Contents ?? []) keys.set(o.Key!, o.Size ?? 0);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  private enqueue(token: string): void {
    this.queue.push(token);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.inlineConcurrency && this.queue.length) {
      const token = this.queue.shift()!;
      this.active++;
      void this.runInline(token)
        .catch((e: Error) => process.stderr.write(`bench driver: ${e.message}\n`))
        .finally(() => {
          this.active--;
          this.completed++;
          this.pump();
        });
    }
  }

  /**
   * The agent's request sequence for a job of `run` steps that each print one line, made by the agent's own
   * reporter and log stream (see agent/run-task.ts): reports batched, small output kept inline.
   */
  private async runInline(token: string): Promise<void> {
    const client = new ControlPlaneClient(this.runtime.url, token);
    const spec = await client.accept();
    const reporter = new StepReporter(client, { heartbeatMs: spec.heartbeatSeconds * 1000, delayMs: 2000, onCancel: () => undefined });
    const sink = new PresignedLogSink((step, from, count) => reporter.logUrls(step, from, count));
    const masker = new SecretMasker(spec.secrets);
    try {
      for (const [index, step] of spec.plan.steps.entries()) {
        const report: StepReport = { index, name: step.name, type: step.type, status: 'running', startedAt: new Date().toISOString() };
        reporter.update(report);
        const log = new StepLogStream(index, sink, masker);
        log.write(`${step.name}\n`);
        await log.close();
        reporter.update(
          Object.assign(report, {
            status: 'success',
            exitCode: 0,
            stoppedAt: new Date().toISOString(),
            outputBytes: log.bytes,
            ...(log.inline !== undefined && { output: log.inline }),
          }),
        );
      }
    } finally {
      reporter.stop();
    }
    await client.complete('success', reporter.all());
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
    await new Promise<void>((r) => this.driver.close(() => r()));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
