import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CompileResult } from '../../config/compile';
import type { CompileConfigRequest, CompileConfigResponse } from '../../config/compile-with-defaults';
import { COMPILE_WORKER_MEMORY_MB, COMPILE_WORKER_TIMEOUT_MS, COMPILE_WORKERS } from '../../config/limits';
import type { ConfigProblem } from '../../config/plan';
import type { ConfigCompileOptions, ConfigCompiler } from '../../ports/config-compiler';
import type { OrbResolver } from '../../ports/orb-resolver';
import type { FromWorker, ToWorker } from './compile-messages';

export interface WorkerCompilerOptions {
  orbResolver?: OrbResolver;
  /** Wall time of one compilation before its worker is terminated. */
  timeoutMs?: number;
  /** Heap cap of each worker (V8 old generation), in MB. */
  memoryMb?: number;
  /** Workers running at once. */
  workers?: number;
}

/** The worker's code: the bundle built beside this file (Lambda, the CLI bundle), else its TypeScript source via tsx (tests). */
function workerEntry(): { code: string; eval: boolean } {
  const bundled = join(__dirname, 'config-compile-worker.cjs');
  if (existsSync(bundled)) return { code: bundled, eval: false };
  const source = join(__dirname, 'config-compile-worker.ts');
  if (!existsSync(source)) throw new Error(`The config compile worker is missing: neither ${bundled} nor ${source} exists. Rebuild the bundle.`);
  return { code: `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(source)});`, eval: true };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Compiles untrusted configs in worker threads with a heap cap and a wall-time cap, so no config can block
 * the thread that serves the API or exhaust the process's memory. A worker that exceeds a cap is terminated
 * (and replaced on demand); its compilation is refused with a `limit` problem. Idle workers are kept for
 * reuse and never keep the process alive.
 */
export class WorkerConfigCompiler implements ConfigCompiler {
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private readonly max: number;
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: WorkerCompilerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? COMPILE_WORKER_TIMEOUT_MS;
    this.memoryMb = options.memoryMb ?? COMPILE_WORKER_MEMORY_MB;
    this.max = options.workers ?? COMPILE_WORKERS;
  }

  async compile(source: string, options: ConfigCompileOptions = {}): Promise<CompileResult> {
    const file = options.fileName ?? '.circleci/config.yml';
    return (await this.run({ type: 'compile', source, options }, (problem) => ({ ok: false, problems: [{ ...problem, file }] }))) as CompileResult;
  }

  async compileWithDefaults(body: CompileConfigRequest): Promise<CompileConfigResponse> {
    const source = typeof body?.config_yaml === 'string' ? body.config_yaml : '';
    const refused = (p: ConfigProblem): CompileConfigResponse => {
      const errors = [{ message: `config.yml:${p.line}:${p.column}: ${p.message} ${p.hint}`, code: 'limit' as const }];
      return { valid: false, 'source-yaml': source, 'output-yaml': '', source_yaml: source, output_yaml: '', errors };
    };
    return (await this.run({ type: 'compile-with-defaults', body }, refused)) as CompileConfigResponse;
  }

  /** Terminates every worker; later compilations fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private spawn(): Worker {
    const entry = workerEntry();
    const worker = new Worker(entry.code, {
      eval: entry.eval,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: Math.min(32, this.memoryMb), stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    this.all.add(worker);
    worker.once('exit', () => {
      this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return worker;
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      if (this.closed) throw new Error('The config compiler is closed.');
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.all.size < this.max) return this.spawn();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(worker: Worker, healthy: boolean): void {
    if (healthy && !this.closed) {
      worker.unref();
      this.idle.push(worker);
    } else {
      this.all.delete(worker);
      void worker.terminate();
    }
    this.waiting.shift()?.();
  }

  private async run<T>(message: ToWorker, refused: (problem: ConfigProblem) => T): Promise<T> {
    const worker = await this.acquire();
    worker.ref();
    const limit = (name: string, value: number, message: string): T =>
      refused({
        file: '.circleci/config.yml',
        line: 1,
        column: 1,
        code: 'limit',
        message: `${message} (limit ${name} = ${fmt(value)}).`,
        hint: 'Reduce the number of jobs, matrix combinations and nested commands.',
      });
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (healthy: boolean, value?: T, error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        this.release(worker, healthy);
        if (error) reject(error);
        else resolve(value as T);
      };
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'orb') {
          const lookup = this.options.orbResolver ? this.options.orbResolver.resolve(m.ref) : Promise.resolve(undefined);
          lookup.then(
            (source) => worker.postMessage({ type: 'orb', id: m.id, source } satisfies ToWorker),
            () => worker.postMessage({ type: 'orb', id: m.id, source: undefined } satisfies ToWorker),
          );
        } else if (m.type === 'done') finish(true, m.result as T);
        else finish(true, undefined, new Error(`The config compiler failed: ${m.message}`));
      };
      const onError = (err: Error & { code?: string }): void => {
        if (err.code === 'ERR_WORKER_OUT_OF_MEMORY')
          finish(
            false,
            limit('compileWorkerMemoryMb', this.memoryMb, `Compiling the config needs more than ${fmt(this.memoryMb)} MB of memory and was stopped`),
          );
        else finish(false, undefined, new Error(`The config compiler failed: ${err.message}`, { cause: err }));
      };
      const onExit = (): void => finish(false, undefined, new Error('The config compiler stopped unexpectedly.'));
      const timer = setTimeout(
        () => finish(false, limit('compileWorkerTimeoutMs', this.timeoutMs, `Compiling the config took longer than ${fmt(this.timeoutMs)} ms and was stopped`)),
        this.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(message);
    });
  }
}
