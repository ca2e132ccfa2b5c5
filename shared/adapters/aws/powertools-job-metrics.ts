import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JobMetricName, JobMetrics } from '../../ports/job-metrics';

/** The namespace and service dimension the dashboard's metrics use. */
export const METRICS_NAMESPACE = 'Slipway';
export const METRICS_SERVICE = 'slipway';

/**
 * CloudWatch metrics through Powertools Metrics (embedded metric format on stdout, no API calls). Each record
 * is published at once as a single metric so its dimensions stay its own; a record with dimensions is also
 * counted in the metric without them (e.g. `JobsFinished` per status and in total).
 */
export class PowertoolsJobMetrics implements JobMetrics {
  private readonly metrics: Metrics;
  constructor(options: { namespace?: string; serviceName?: string } = {}) {
    this.metrics = new Metrics({ namespace: options.namespace ?? METRICS_NAMESPACE, serviceName: options.serviceName ?? METRICS_SERVICE });
  }

  record(name: JobMetricName, value: number, dimensions: Record<string, string> = {}): void {
    try {
      const single = this.metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      // …and the total over those dimensions (service only), which rate alarms divide by.
      if (Object.keys(dimensions).length > 0) single.addDimensions({});
      single.addMetric(name, name.endsWith('Ms') ? MetricUnit.Milliseconds : MetricUnit.Count, value);
    } catch {
      // Metrics are best effort: a bad value must never fail the work it describes.
    }
  }
}
