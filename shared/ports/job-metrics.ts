/** The custom metrics the CloudWatch dashboard and alarms read (namespace `Slipway`). */
export type JobMetricName =
  | 'JobsQueued'
  | 'JobsStarted'
  | 'JobsFinished'
  | 'QueueWaitMs'
  | 'JobDurationMs'
  | 'WebhookRejected'
  | 'AuditWriteFailures'
  /** A queue message whose handler failed (reported as a partial batch failure; the queue retries it). */
  | 'MessagesFailed'
  /** An API response with a status of 500 or more (an unhandled error answered as a response, not a crash). */
  | 'ApiServerErrors'
  /** A job task launched on compute (`compute`: fargate, machine, runner). */
  | 'TasksLaunched'
  /** A job task whose launch failed (`compute` as above): retried by the queue, or the job fails. */
  | 'TaskLaunchFailures';

/**
 * Records operational metrics. Fire-and-forget: never throws, never blocks the caller, safe to call
 * concurrently. Counts use value 1; `…Ms` metrics are durations in milliseconds. A metric recorded twice (a
 * redelivered message) is counted twice: callers record after the conditional write that made the change.
 */
export interface JobMetrics {
  record(name: JobMetricName, value: number, dimensions?: Record<string, string>): void;
}
