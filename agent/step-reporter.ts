import type { StepReport } from '../shared/model/job-spec';
import { ControlPlaneError } from './client';
import { realTimers, type Timers } from './timers';

/** A request for presigned log URLs riding on a step report. */
export interface LogUrlRequest {
  step: number;
  from: number;
  count: number;
}

/**
 * What every report's reply says: stop (`cancel`), whether someone is watching the job (`live`), and whether an
 * ECS Exec session into this task is open (`sshActive`: a job rerun with SSH on Fargate, which the agent cannot see).
 */
export interface ReportReply {
  cancel: boolean;
  live?: boolean;
  sshActive?: boolean;
}

export interface ReportApi {
  /** Sends the step list (doubling as a heartbeat); with `logUrls`, the reply carries those URLs. */
  steps(steps: StepReport[], logUrls?: LogUrlRequest): Promise<ReportReply & { logUrls?: string[] }>;
  heartbeat(): Promise<ReportReply>;
  /** Presigned log URLs on their own (a control plane that does not answer them with step reports). */
  logUrls(step: number, from: number, count: number): Promise<string[]>;
}

interface UrlWaiter {
  request: LogUrlRequest;
  resolve(urls: string[]): void;
  reject(e: unknown): void;
}

/** How often the agent reports while someone watches the job, so it learns promptly when they leave. */
export const LIVE_REPORT_MS = 2500;

export interface StepReporterOptions {
  heartbeatMs: number;
  delayMs: number;
  onCancel: () => void;
  /** Called when replies start or stop saying that someone watches the job. */
  onLive?: (live: boolean) => void;
  /** Called for each reply saying an ECS Exec session into the task is open. */
  onSshActive?: () => void;
  timers?: Timers;
}

/**
 * Batches what the agent tells the control plane: step events wait up to `delayMs` so that quick steps share
 * one request, a report doubles as the heartbeat (a bare heartbeat goes out only when nothing else was sent
 * for `heartbeatMs`), and requests for presigned log URLs ride on a report sent at once (so a step's start and
 * its first log URLs cost one request). Every reply may carry cancel, and `live` while someone watches the
 * job: then a report goes out at least every `LIVE_REPORT_MS` (`onLive` tells the log streams), and the
 * heartbeat cadence returns when replies stop saying `live`. Failed reports are retried by the next.
 */
export class StepReporter {
  private readonly reports = new Map<number, StepReport>();
  private dirty = false;
  private flushTimer: unknown;
  private beatTimer: unknown;
  private lastSent: number;
  private sending: Promise<void> = Promise.resolve();
  private readonly waiters: UrlWaiter[] = [];
  private stopped = false;
  private readonly timers: Timers;
  private live = false;

  constructor(
    private readonly api: ReportApi,
    private readonly options: StepReporterOptions,
  ) {
    this.timers = options.timers ?? realTimers;
    this.lastSent = this.timers.now();
    this.armBeat();
  }

  /** The longest silence allowed: the heartbeat cadence, shorter while someone watches. */
  private get beatMs(): number {
    const beat = this.options.heartbeatMs * 0.9;
    return this.live ? Math.min(beat, LIVE_REPORT_MS) : beat;
  }

  private armBeat(): void {
    if (this.stopped) return;
    const due = this.lastSent + this.beatMs - this.timers.now();
    this.beatTimer = this.timers.setTimeout(
      () => {
        if (this.timers.now() - this.lastSent >= this.beatMs) this.send();
        this.armBeat();
      },
      Math.max(50, due),
    );
  }

  private setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    this.options.onLive?.(live);
    if (this.stopped) return;
    if (this.beatTimer !== undefined) this.timers.clearTimeout(this.beatTimer);
    this.armBeat();
  }

  /** Records a step's current state; it reaches the control plane within `delayMs`. */
  update(report: StepReport): void {
    this.reports.set(report.index, { ...report });
    this.dirty = true;
    if (this.flushTimer === undefined) this.flushTimer = this.timers.setTimeout(() => this.send(), this.options.delayMs);
  }

  /** Presigned URLs for log chunks `from`.. of `step`, fetched with a step report sent now. */
  logUrls(step: number, from: number, count: number): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ request: { step, from, count }, resolve, reject });
      this.send();
    });
  }

  /** Every step reported so far, in order. */
  all(): StepReport[] {
    return [...this.reports.values()].sort((a, b) => a.index - b.index);
  }

  private send(): void {
    if (this.flushTimer !== undefined) this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.lastSent = this.timers.now();
    const waiter = this.waiters.shift();
    const dirty = this.dirty || waiter !== undefined;
    this.dirty = false;
    this.sending = this.sending
      .then(async () => {
        if (!dirty) return this.api.heartbeat();
        const reply = await this.api.steps(this.all(), waiter?.request);
        if (waiter) waiter.resolve(reply.logUrls ?? (await this.api.logUrls(waiter.request.step, waiter.request.from, waiter.request.count)));
        return reply;
      })
      .then((r) => {
        if (r.cancel) this.options.onCancel();
        if (r.sshActive) this.options.onSshActive?.();
        this.setLive(r.live === true);
      })
      .catch((e) => {
        waiter?.reject(e);
        // 409: the task ended on the control plane (canceled, reaped): stop as on a cancel.
        if (e instanceof ControlPlaneError && e.status === 409) return this.options.onCancel();
        if (dirty) this.dirty = true;
      });
  }

  /** Stops timers; pending events go out with `complete`. */
  stop(): void {
    this.stopped = true;
    if (this.beatTimer !== undefined) this.timers.clearTimeout(this.beatTimer);
    if (this.flushTimer !== undefined) this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
