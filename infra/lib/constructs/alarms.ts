import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Functions } from './functions';
import type { QueueName, Queues } from './queues';

/** Custom metrics the functions emit with Powertools Metrics (namespace `Slipway`, see `shared/ports/job-metrics.ts`). */
export const SLIPWAY_NAMESPACE = 'Slipway';

/** A Slipway metric; Powertools Metrics always adds the `service` dimension (functions use `slipway`). */
export const slipwayMetric = (metricName: string, statistic = 'Sum', dimensionsMap?: Record<string, string>, period = Duration.minutes(1)) =>
  new Metric({ namespace: SLIPWAY_NAMESPACE, metricName, statistic, dimensionsMap: { service: 'slipway', ...dimensionsMap }, period });

/**
 * `standard`: every alarm below. `minimal`: the ones that say something is broken, in at most 10 alarm metrics
 * (CloudWatch bills each metric of an alarm): dead letters (one alarm over the four DLQs), failed messages, API 5xx,
 * webhook rejections, the infrastructure_fail rate and cron's heartbeat.
 */
export type AlarmProfile = 'standard' | 'minimal';

export interface AlarmSources {
  readonly functions: Functions;
  readonly queues: Queues;
  readonly table: Table;
}

type AddAlarm = (
  name: string,
  metric: IMetric,
  threshold: number,
  description: string,
  options?: { periods?: number; below?: boolean; missingIsBreaching?: boolean },
) => Alarm;

/** Creates the alarms of a profile, each with `action` on ALARM and OK. */
export function createAlarms(scope: Construct, sources: AlarmSources, action: IAlarmAction, profile: AlarmProfile): Alarm[] {
  const alarms: Alarm[] = [];
  const add: AddAlarm = (name, metric, threshold, description, options = {}) => {
    const a = new Alarm(scope, name, {
      metric,
      threshold,
      evaluationPeriods: options.periods ?? 1,
      comparisonOperator: options.below ? ComparisonOperator.LESS_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: options.missingIsBreaching ? TreatMissingData.BREACHING : TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    a.addAlarmAction(action);
    a.addOkAction(action);
    alarms.push(a);
    return a;
  };
  brokenWork(add, sources, profile);
  if (profile === 'standard') capacity(add, sources);
  return alarms;
}

/** Alarms of both profiles: work that failed or cannot be done. */
function brokenWork(add: AddAlarm, { functions, queues }: AlarmSources, profile: AlarmProfile): void {
  const fiveMinutes = Duration.minutes(5);
  const dlqs = Object.entries(queues.deadLetterQueues) as [QueueName, Queue][];
  const depth = (q: Queue) => q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
  if (profile === 'standard') {
    // Dead letters: any message there is work that failed five times.
    for (const [name, dlq] of dlqs)
      add(`${name}-dlq-not-empty`, depth(dlq), 0, `Messages in the ${name} dead-letter queue: inspect them, fix the cause, then redrive.`);
  } else {
    const usingMetrics = Object.fromEntries(dlqs.map(([name, q]) => [`dlq_${name}`, depth(q)]));
    add(
      'dlq-not-empty',
      new MathExpression({ expression: `SUM([${Object.keys(usingMetrics).join(',')}])`, usingMetrics, label: 'Dead letters', period: Duration.minutes(1) }),
      0,
      'Messages in a dead-letter queue: find which on the SQS console, inspect them, fix the cause, then redrive.',
    );
  }
  // A failed message is retried by the queue; its function still succeeds, so Lambda's error metric never sees it.
  add(
    'messages-failed',
    slipwayMetric('MessagesFailed', 'Sum', undefined, fiveMinutes),
    5,
    'More than 5 queue messages failed in each of two 5-minute periods (they are retried, then dead-lettered); search the consumer logs for "message failed".',
    { periods: 2 },
  );
  // The api answers unexpected errors with a 500 response, which Lambda counts as a success.
  add(
    'api-5xx',
    slipwayMetric('ApiServerErrors', 'Sum', undefined, fiveMinutes),
    5,
    'The API answered more than 5 requests with a 5xx in 5 minutes; search the api function logs for "unhandled API error".',
  );
  add(
    'webhook-rejections',
    slipwayMetric('WebhookRejected', 'Sum', undefined, fiveMinutes),
    5,
    "More than 5 GitHub deliveries were rejected in 5 minutes (bad signature or payload): check the App's webhook secret (docs/deploy.md) or who is posting.",
  );
  const infraFailRate = new MathExpression({
    expression: 'IF(total >= 5, 100 * infra / total, 0)',
    usingMetrics: {
      infra: slipwayMetric('JobsFinished', 'Sum', { status: 'infrastructure_fail' }, Duration.minutes(30)),
      total: slipwayMetric('JobsFinished', 'Sum', undefined, Duration.minutes(30)),
    },
    label: 'infrastructure_fail %',
    period: Duration.minutes(30),
  });
  add(
    'infrastructure-fail-rate',
    infraFailRate,
    10,
    'More than 10% of jobs (of at least 5) ended infrastructure_fail in 30 minutes: agents lost or tasks failing to start; see the dashboard and the cron logs.',
  );
  // cron runs every minute with a concurrency of 1: its own throttles are expected, its silence is not.
  add(
    'cron-not-running',
    functions.functions.cron.metricInvocations({ period: Duration.minutes(10), statistic: 'Sum' }),
    1,
    'cron did not run for 10 minutes: scheduled pipelines, the reaper and machine scale-in are stopped. Check its EventBridge rule and concurrency.',
    { below: true, missingIsBreaching: true },
  );
}

/** Standard profile only: per-function error rates and throttles, table throttles, stuck queues and jobs. */
function capacity(add: AddAlarm, { functions, queues, table }: AlarmSources): void {
  const fiveMinutes = Duration.minutes(5);
  for (const [name, fn] of functions.all()) {
    const rate = new MathExpression({
      expression: '100 * errors / MAX([invocations, 1])',
      usingMetrics: { errors: fn.metricErrors({ period: fiveMinutes }), invocations: fn.metricInvocations({ period: fiveMinutes }) },
      label: `${name} error %`,
      period: fiveMinutes,
    });
    add(`${name}-error-rate`, rate, 5, `More than 5% of ${name} invocations failed (crash or timeout) for 10 minutes; see its logs.`, { periods: 2 });
    // cron's reserved concurrency of 1 throttles its overlapping events by design (they are retried): see cron-not-running.
    if (name !== 'cron')
      add(`${name}-throttles`, fn.metricThrottles({ period: fiveMinutes }), 0, `${name} was throttled: raise the account concurrency quota.`);
  }
  add('table-throttles', tableThrottles(table), 0, 'DynamoDB throttled requests (hot partition?); see the dashboard.');
  add(
    'stuck-dispatch',
    queues.queues.dispatch.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
    900,
    'A job has waited more than 15 minutes to be dispatched: check compute capacity and the dispatcher logs.',
  );
  add(
    'stuck-events',
    queues.queues.events.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
    900,
    'Workflow events are not being processed: check the conductor.',
  );
  add(
    'audit-write-failures',
    slipwayMetric('AuditWriteFailures'),
    0,
    'Audit records could not be written to S3 (the actions themselves went through); see the api function logs.',
  );
  add('stuck-queue-wait', slipwayMetric('QueueWaitMs', 'Maximum'), 30 * 60 * 1000, 'A job waited more than 30 minutes for an agent.', { periods: 3 });
}

/** Read and write throttle events of the table. */
export function tableThrottles(table: Table): MathExpression {
  return new MathExpression({
    expression: 'r + w',
    usingMetrics: {
      r: table.metric('ReadThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
      w: table.metric('WriteThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
    },
    label: 'DynamoDB throttle events',
    period: Duration.minutes(5),
  });
}
