/** The custom metrics the CloudWatch dashboard and alarms read (namespace `Slipway`). */
export type JobMetricName = 'JobsQueued' | 'JobsStarted' | 'JobsFinished' | 'QueueWaitMs' | 'JobDurationMs' | 'WebhookRejected' | 'AuditWriteFailures';

/**
 * Records operational metrics. Fire-and-forget: never throws, never blocks the caller, safe to call
 * concurrently. Counts use value 1; `…Ms` metrics are durations in milliseconds. A metric recorded twice (a
 * redelivered message) is counted twice: callers record after the conditional write that made the change.
 */
export interface JobMetrics {
  record(name: JobMetricName, value: number, dimensions?: Record<string, string>): void;
}
