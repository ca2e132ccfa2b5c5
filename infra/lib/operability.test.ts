import { idleCost } from './idle-cost';
import { byType, fnByService, statements, synthForTest, type TemplateResource } from './template-helpers';

const metricsOf = (a: TemplateResource): any[] =>
  a.Properties.MetricName ? [a.Properties] : (a.Properties.Metrics ?? []).filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
const alarmReading = (alarms: [string, TemplateResource][], metricName: string) =>
  alarms.filter(([, a]) => metricsOf(a).some((m) => m.MetricName === metricName));

describe('alarms that can fire (standard profile)', () => {
  const { template: t, error } = synthForTest();
  const alarms = byType(t, 'AWS::CloudWatch::Alarm');

  it('passes cdk-nag', () => expect(error).toBeUndefined());

  it('alarms on the metrics the code emits: failed messages, API 5xx, webhook rejections, the infrastructure_fail rate', () => {
    for (const name of ['MessagesFailed', 'ApiServerErrors', 'WebhookRejected']) {
      const [[, alarm]] = alarmReading(alarms, name);
      expect([name, alarm.Properties]).toEqual([
        name,
        expect.objectContaining({ Namespace: 'Slipway', Dimensions: [{ Name: 'service', Value: 'slipway' }], Statistic: 'Sum' }),
      ]);
    }
    const [[, rate]] = alarmReading(alarms, 'JobsFinished');
    const finished = metricsOf(rate).map((m) => m.Dimensions);
    // The rate divides the per-status count by the total the metrics adapter publishes without the status dimension.
    expect(finished).toEqual(
      expect.arrayContaining([
        [
          { Name: 'service', Value: 'slipway' },
          { Name: 'status', Value: 'infrastructure_fail' },
        ],
        [{ Name: 'service', Value: 'slipway' }],
      ]),
    );
    expect(rate.Properties.Metrics.find((m: any) => m.Expression).Expression).toBe('IF(total >= 5, 100 * infra / total, 0)');
  });

  it('watches cron by its silence, not by the throttles its concurrency of 1 causes', () => {
    const cron = fnByService(t, 'cron')[0];
    const onCron = alarms.filter(([, a]) => metricsOf(a).some((m) => JSON.stringify(m.Dimensions ?? []).includes(cron)));
    expect(onCron.filter(([, a]) => metricsOf(a).some((m) => m.MetricName === 'Throttles'))).toEqual([]);
    const [[, silent]] = onCron.filter(([, a]) => a.Properties.MetricName === 'Invocations');
    expect(silent.Properties).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching', Period: 600 });
  });

  it('draws job tasks from the metrics the dispatcher emits, not from ECS service metrics bare tasks lack', () => {
    const body = JSON.stringify(byType(t, 'AWS::CloudWatch::Dashboard')[0][1].Properties.DashboardBody);
    expect(body).not.toContain('ECS/ContainerInsights');
    expect(body).toContain('TasksLaunched');
    expect(body).toContain('TaskLaunchFailures');
  });
});

describe('-c profile=minimal', () => {
  const { template: t, error } = synthForTest({ profile: 'minimal' });

  it('passes cdk-nag', () => expect(error).toBeUndefined());

  it('has no NAT gateway, no dashboard, no Secrets Manager secret and at most 10 alarm metrics', () => {
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(idleCost(t.toJSON()).alarmMetrics).toBeLessThanOrEqual(10);
    // Still alarms on what is broken.
    const alarms = byType(t, 'AWS::CloudWatch::Alarm');
    for (const name of ['MessagesFailed', 'ApiServerErrors', 'WebhookRejected', 'JobsFinished', 'ApproximateNumberOfMessagesVisible', 'Invocations'])
      expect([name, alarmReading(alarms, name).length]).toEqual([name, 1]);
  });

  it('keeps secrets in SSM SecureString parameters the functions may read (and create once, for generated ones)', () => {
    const env = fnByService(t, 'api')[1].Properties.Environment.Variables;
    expect(JSON.stringify(env.SIGNING_KEY_SECRET_ARN)).toContain(':ssm:');
    expect(JSON.stringify(env.SIGNING_KEY_SECRET_ARN)).toContain('parameter/slipway/Slipway/signing-key');
    expect(JSON.stringify(env.GITHUB_APP_SECRET_ARN)).toContain('parameter/slipway/Slipway/github-app');
    expect(env.MACHINE_RUNNER_TOKEN_SECRET_ARN).toBeUndefined();
    const ssm = (fn: string) =>
      statements(t, fn)
        .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ssm:')))
        .map((s) => [[s.Action].flat().join(','), JSON.stringify(s.Resource)]);
    expect(
      ssm('api')
        .map(([a]) => a)
        .sort(),
    ).toEqual(['ssm:DescribeSessions', 'ssm:GetParameter', 'ssm:GetParameter', 'ssm:PutParameter']);
    // ECS Exec sessions of SSH reruns (no resource-level permissions); every parameter grant names its parameter.
    expect(ssm('api').find(([a]) => a === 'ssm:DescribeSessions')?.[1]).toBe('"*"');
    for (const [a, resource] of ssm('api').filter(([a]) => a !== 'ssm:DescribeSessions'))
      expect([a, resource]).toEqual([a, expect.stringContaining('parameter/slipway/')]);
    expect(ssm('webhooks')).toEqual([['ssm:GetParameter', expect.stringContaining('github-app')]]);
  });

  it('costs at most $5 a month idle (always-free tiers applied), and far more with the standard profile', () => {
    const minimal = idleCost(t.toJSON(), { freeTier: true });
    expect(minimal.items.map((i) => i.item)).not.toContain('NAT gateway');
    expect(minimal.total).toBeLessThanOrEqual(5);
    const standard = idleCost(synthForTest().template.toJSON(), { freeTier: true });
    expect(standard.items.find((i) => i.item === 'NAT gateway')?.monthly).toBeCloseTo(32.85);
    expect(standard.total).toBeGreaterThan(minimal.total + 32);
  });
});
