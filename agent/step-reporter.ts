import type { StepReport } from '../shared/model/job-spec';

interface ReportApi {
  steps(steps: StepReport[]): Promise<{ cancel: boolean }>;
  heartbeat(): Promise<{ cancel: boolean }>;
}

/**
 * Batches what the agent tells the control plane: step events wait up to `delayMs` so that quick steps share
 * one request, and a report doubles as the heartbeat (a bare heartbeat goes out only when nothing else was
 * sent for `heartbeatMs`). Every reply may carry cancel. Failures are retried by the next report.
 */
export class StepReporter {
  private readonly reports = new Map<number, StepReport>();
  private dirty = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly beat: NodeJS.Timeout;
  private lastSent = Date.now();
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ReportApi,
    private readonly options: { heartbeatMs: number; delayMs: number; onCancel: () => void },
  ) {
    this.beat = setInterval(() => {
      if (Date.now() - this.lastSent >= options.heartbeatMs * 0.9) this.send();
    }, Math.max(50, Math.floor(options.heartbeatMs / 3)));
  }

  /** Records a step's current state; it reaches the control plane within `delayMs`. */
  update(report: StepReport): void {
    this.reports.set(report.index, { ...report });
    this.dirty = true;
    this.flushTimer ??= setTimeout(() => this.send(), this.options.delayMs);
  }

  /** Every step reported so far, in order. */
  all(): StepReport[] {
    return [...this.reports.values()].sort((a, b) => a.index - b.index);
  }

  private send(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.lastSent = Date.now();
    const dirty = this.dirty;
    this.dirty = false;
    this.sending = this.sending
      .then(() => (dirty ? this.api.steps(this.all()) : this.api.heartbeat()))
      .then((r) => {
        if (r.cancel) this.options.onCancel();
      })
      .catch(() => {
        if (dirty) this.dirty = true;
      });
  }

  /** Stops timers; pending events go out with `complete`. */
  stop(): void {
    clearInterval(this.beat);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
