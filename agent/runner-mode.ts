import { hostname } from 'node:os';
import { ControlPlaneClient } from './client';
import { runTask, type RunTaskOptions } from './run-task';

export interface RunnerOptions {
  /** Control plane base URL (without `/runner/v1`). */
  url: string;
  /** The runner token of the resource class. */
  token: string;
  /** Runner name shown in the runner listing (default: the host name). */
  name?: string;
  /** The resource class to claim for, sent with the claim (machine runners share one token across classes). */
  resourceClass?: string;
  workRoot: string;
  /** Wait between claims when nothing is queued (default 3 s). */
  pollMs?: number;
  /** Stop after this many tasks (default: run until `signal` aborts). */
  maxTasks?: number;
  signal?: AbortSignal;
  circleciCommand?: string[];
  log?: (line: string) => void;
  version?: string;
}

/** Asks for the next task of the runner's resource class; resolves a task token or `undefined` (nothing queued). */
async function claim(options: RunnerOptions): Promise<string | undefined> {
  const res = await fetch(`${options.url}/runner/v1/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: options.name ?? hostname(), version: options.version ?? '1', resource_class: options.resourceClass }),
  });
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (!res.ok) {
    const message = (() => {
      try {
        return JSON.parse(text).message as string;
      } catch {
        return text;
      }
    })();
    const err = new Error(`Claiming a task failed: HTTP ${res.status} ${message}`);
    if (res.status === 401 || res.status === 403) throw Object.assign(err, { fatal: true });
    throw err;
  }
  return (JSON.parse(text) as { task_token: string }).task_token;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Runner mode: claims queued tasks of its resource class one at a time and runs each like task mode
 * (heartbeats and cancel included), then asks again. Transient claim errors back off; an invalid token ends
 * the loop with an error. Resolves the number of tasks run.
 */
export async function runRunner(options: RunnerOptions): Promise<number> {
  const log = options.log ?? (() => undefined);
  const url = options.url.replace(/\/$/, '');
  let ran = 0;
  let failures = 0;
  while (!options.signal?.aborted && (options.maxTasks === undefined || ran < options.maxTasks)) {
    let taskToken: string | undefined;
    try {
      taskToken = await claim({ ...options, url });
      failures = 0;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal) throw e;
      failures++;
      log(`${(e as Error).message}; retrying.`);
      await sleep(Math.min(1000 * 2 ** failures, 30_000), options.signal);
      continue;
    }
    if (!taskToken) {
      await sleep(options.pollMs ?? 3000, options.signal);
      continue;
    }
    const client = new ControlPlaneClient(url, taskToken);
    const taskOptions: RunTaskOptions = { client, workRoot: options.workRoot, circleciCommand: options.circleciCommand };
    try {
      const status = await runTask(taskOptions);
      log(`Task finished: ${status}`);
    } catch (e) {
      log(`Task could not be run: ${(e as Error).message}`);
    }
    ran++;
  }
  return ran;
}
