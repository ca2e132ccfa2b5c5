import { Duration, Stack } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, Metric, TextWidget, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createAlarms, slipwayMetric as m, tableThrottles, type AlarmProfile } from './alarms';
import type { Functions } from './functions';
import type { QueueName, Queues } from './queues';

export { SLIPWAY_NAMESPACE } from './alarms';

export interface ObservabilityProps {
  readonly functions: Functions;
  readonly queues: Queues;
  readonly table: Table;
  readonly machineGroups: Readonly<Record<string, AutoScalingGroup>>;
  readonly key: IKey;
  readonly alarmTopic?: ITopic;
  readonly alarmEmail?: string;
  /** `minimal`: no dashboard and at most 10 alarm metrics. @default 'standard' */
  readonly profile?: AlarmProfile;
}

const JOB_STATUSES = ['success', 'failed', 'canceled', 'infrastructure_fail', 'timedout'];

/** The dashboard and the alarms (see `alarms.ts`) sent to one SNS topic. */
export class Observability extends Construct {
  readonly topic: ITopic;
  readonly dashboard?: Dashboard;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = props.alarmTopic ?? new Topic(this, 'Alarms', { displayName: 'Slipway alarms', masterKey: props.key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const profile = props.profile ?? 'standard';
    this.alarms = createAlarms(this, props, new SnsAction(this.topic), profile);
    if (profile === 'standard') this.dashboard = this.createDashboard(props);
  }

  private createDashboard(props: ObservabilityProps): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${Stack.of(this).stackName}-slipway`, defaultInterval: Duration.hours(3) });
    const w = 12;
    const h = 6;
    dashboard.addWidgets(new TextWidget({ markdown: '# Slipway\nJobs, functions, queues, storage and compute.', width: 24, height: 1 }));
    dashboard.addWidgets(
      new GraphWidget({ title: 'Jobs queued / started', width: w, height: h, left: [m('JobsQueued'), m('JobsStarted')] }),
      new GraphWidget({
        title: 'Jobs finished by status',
        width: w,
        height: h,
        left: JOB_STATUSES.map((s) => m('JobsFinished', 'Sum', { status: s }).with({ label: s })),
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Queue wait (ms)', width: 8, height: h, left: [m('QueueWaitMs', 'p50'), m('QueueWaitMs', 'p95')] }),
      new GraphWidget({ title: 'Job duration (ms)', width: 8, height: h, left: [m('JobDurationMs', 'p50'), m('JobDurationMs', 'p95')] }),
      new GraphWidget({
        title: 'Failed messages / API 5xx / webhooks rejected / audit write failures',
        width: 8,
        height: h,
        left: [m('MessagesFailed'), m('ApiServerErrors'), m('WebhookRejected'), m('AuditWriteFailures')],
      }),
    );
    const fns = props.functions.all();
    dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', width: 8, height: h, left: fns.map(([n, f]) => f.metricErrors().with({ label: n })) }),
      new GraphWidget({ title: 'Lambda throttles', width: 8, height: h, left: fns.map(([n, f]) => f.metricThrottles().with({ label: n })) }),
      new GraphWidget({
        title: 'Lambda duration p95 (ms)',
        width: 8,
        height: h,
        left: fns.map(([n, f]) => f.metricDuration({ statistic: 'p95' }).with({ label: n })),
      }),
    );
    const dlqs = Object.entries(props.queues.deadLetterQueues) as [QueueName, Queue][];
    const queues = Object.entries(props.queues.queues) as [QueueName, Queue][];
    dashboard.addWidgets(
      new GraphWidget({ title: 'DLQ depth', width: 8, height: h, left: dlqs.map(([n, q]) => q.metricApproximateNumberOfMessagesVisible().with({ label: n })) }),
      new GraphWidget({
        title: 'Queue age of oldest (s)',
        width: 8,
        height: h,
        left: queues.map(([n, q]) => q.metricApproximateAgeOfOldestMessage().with({ label: n })),
      }),
      new GraphWidget({ title: 'DynamoDB throttles', width: 8, height: h, left: [tableThrottles(props.table)] }),
    );
    // Job tasks are bare RunTask tasks (no ECS service), so ECS service metrics stay empty: the dispatcher counts them.
    const tasks = (metric: string, executor: string) =>
      m(metric, 'Sum', { executor }).with({ label: `${executor} ${metric === 'TasksLaunched' ? 'launched' : 'launch failures'}` });
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Job tasks launched / launch failures (Fargate: docker; EC2: machine)',
        width: w,
        height: h,
        left: ['docker', 'machine'].flatMap((e) => [tasks('TasksLaunched', e), tasks('TaskLaunchFailures', e)]),
      }),
      new GraphWidget({
        title: 'EC2 machine instances (in service)',
        width: w,
        height: h,
        left: Object.entries(props.machineGroups).map(
          ([cls, g]) =>
            new Metric({
              namespace: 'AWS/AutoScaling',
              metricName: 'GroupInServiceInstances',
              dimensionsMap: { AutoScalingGroupName: g.autoScalingGroupName },
              statistic: 'Average',
              label: cls,
            }),
        ),
      }),
    );
    return dashboard;
  }
}
