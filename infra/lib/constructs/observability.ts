import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Cluster } from 'aws-cdk-lib/aws-ecs';
import type { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Functions } from './functions';
import type { QueueName, Queues } from './queues';

export interface ObservabilityProps {
  readonly functions: Functions;
  readonly queues: Queues;
  readonly table: Table;
  readonly cluster: Cluster;
  readonly machineGroups: Readonly<Record<string, AutoScalingGroup>>;
  readonly key: IKey;
  readonly alarmTopic?: ITopic;
  readonly alarmEmail?: string;
}

/** Custom metrics the functions emit with Powertools Metrics (namespace `Slipway`). */
export const SLIPWAY_NAMESPACE = 'Slipway';
const JOB_STATUSES = ['success', 'failed', 'canceled', 'infrastructure_fail', 'timedout'];

/** The dashboard and the alarms (dead letters, error rates, throttles, stuck jobs) sent to one SNS topic. */
export class Observability extends Construct {
  readonly topic: ITopic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = props.alarmTopic ?? new Topic(this, 'Alarms', { displayName: 'Slipway alarms', masterKey: props.key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string, periods = 1) => {
      const a = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    const m = (metricName: string, statistic = 'Sum', dimensionsMap?: Record<string, string>) =>
      // Powertools Metrics always adds the `service` dimension (functions use `slipway`).
      new Metric({ namespace: SLIPWAY_NAMESPACE, metricName, statistic, dimensionsMap: { service: 'slipway', ...dimensionsMap }, period: Duration.minutes(1) });

    // Dead letters: any message there is work that failed five times.
    for (const [name, dlq] of Object.entries(props.queues.deadLetterQueues) as [QueueName, Queue][]) {
      alarm(`${name}-dlq-not-empty`, dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }), 0,
        `Messages in the ${name} dead-letter queue: inspect them, fix the cause, then redrive.`);
    }
    for (const [name, fn] of props.functions.all()) {
      const rate = new MathExpression({
        expression: '100 * errors / MAX([invocations, 1])',
        usingMetrics: { errors: fn.metricErrors({ period: Duration.minutes(5) }), invocations: fn.metricInvocations({ period: Duration.minutes(5) }) },
        label: `${name} error %`,
        period: Duration.minutes(5),
      });
      alarm(`${name}-error-rate`, rate, 5, `More than 5% of ${name} invocations failed for 10 minutes; see its logs.`, 2);
      // cron runs one at a time by design: its EventBridge events (ECS task stopped, instance terminating) wait and
      // are retried when it is busy, so its throttles are expected, not a quota problem.
      if (name !== 'cron') alarm(`${name}-throttles`, fn.metricThrottles({ period: Duration.minutes(5) }), 0, `${name} was throttled: raise the account concurrency quota.`);
    }
    const tableThrottles = new MathExpression({
      expression: 'r + w',
      usingMetrics: {
        r: props.table.metric('ReadThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
        w: props.table.metric('WriteThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
      },
      label: 'DynamoDB throttle events',
      period: Duration.minutes(5),
    });
    alarm('table-throttles', tableThrottles, 0, 'DynamoDB throttled requests (hot partition?); see the dashboard.');
    alarm('stuck-dispatch', props.queues.queues.dispatch.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }), 900,
      'A job has waited more than 15 minutes to be dispatched: check compute capacity and the dispatcher logs.');
    alarm('stuck-events', props.queues.queues.events.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }), 900,
      'Workflow events are not being processed: check the conductor.');
    alarm('audit-write-failures', m('AuditWriteFailures'), 0, 'Audit records could not be written to S3 (the actions themselves went through); see the api function logs.');
    alarm('stuck-queue-wait', m('QueueWaitMs', 'Maximum'), 30 * 60 * 1000, 'A job waited more than 30 minutes for an agent.', 3);

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${Stack.of(this).stackName}-slipway`, defaultInterval: Duration.hours(3) });
    const w = 12;
    const h = 6;
    this.dashboard.addWidgets(new TextWidget({ markdown: '# Slipway\nJobs, functions, queues, storage and compute.', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Jobs queued / started', width: w, height: h, left: [m('JobsQueued'), m('JobsStarted')] }),
      new GraphWidget({ title: 'Jobs finished by status', width: w, height: h, left: JOB_STATUSES.map((s) => m('JobsFinished', 'Sum', { status: s }).with({ label: s })) }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Queue wait (ms)', width: 8, height: h, left: [m('QueueWaitMs', 'p50'), m('QueueWaitMs', 'p95')] }),
      new GraphWidget({ title: 'Job duration (ms)', width: 8, height: h, left: [m('JobDurationMs', 'p50'), m('JobDurationMs', 'p95')] }),
      new GraphWidget({ title: 'Webhooks rejected / audit write failures', width: 8, height: h, left: [m('WebhookRejected'), m('AuditWriteFailures')] }),
    );
    const fns = props.functions.all();
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', width: 8, height: h, left: fns.map(([n, f]) => f.metricErrors().with({ label: n })) }),
      new GraphWidget({ title: 'Lambda throttles', width: 8, height: h, left: fns.map(([n, f]) => f.metricThrottles().with({ label: n })) }),
      new GraphWidget({ title: 'Lambda duration p95 (ms)', width: 8, height: h, left: fns.map(([n, f]) => f.metricDuration({ statistic: 'p95' }).with({ label: n })) }),
    );
    const dlqs = Object.entries(props.queues.deadLetterQueues) as [QueueName, Queue][];
    const queues = Object.entries(props.queues.queues) as [QueueName, Queue][];
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'DLQ depth', width: 8, height: h, left: dlqs.map(([n, q]) => q.metricApproximateNumberOfMessagesVisible().with({ label: n })) }),
      new GraphWidget({ title: 'Queue age of oldest (s)', width: 8, height: h, left: queues.map(([n, q]) => q.metricApproximateAgeOfOldestMessage().with({ label: n })) }),
      new GraphWidget({ title: 'DynamoDB throttles', width: 8, height: h, left: [tableThrottles] }),
    );
    const ecs = (metricName: string) =>
      new Metric({ namespace: 'ECS/ContainerInsights', metricName, dimensionsMap: { ClusterName: props.cluster.clusterName }, statistic: 'Average' });
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Fargate tasks', width: w, height: h, left: [ecs('RunningTaskCount'), ecs('PendingTaskCount')] }),
      new GraphWidget({
        title: 'EC2 machine instances (in service)',
        width: w,
        height: h,
        left: Object.entries(props.machineGroups).map(([cls, g]) =>
          new Metric({ namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensionsMap: { AutoScalingGroupName: g.autoScalingGroupName }, statistic: 'Average', label: cls }),
        ),
      }),
    );
  }
}
