import { Match } from 'aws-cdk-lib/assertions';
import { actionsOf, byType, statements, synthForTest } from './template-helpers';

describe('Slipway audit log and email notifications', () => {
  const { template: t, error } = synthForTest();

  it('passes cdk-nag', () => {
    expect(error).toBeUndefined();
  });

  it('enables Object Lock on the bucket and hands the compliance retention parameter to the functions', () => {
    expect(t.findParameters('AuditRetentionDays')).toEqual({ AuditRetentionDays: expect.objectContaining({ Type: 'Number', Default: 365, MinValue: 1 }) });
    t.hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: true, VersioningConfiguration: { Status: 'Enabled' } });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AUDIT_RETENTION_DAYS: { Ref: 'AuditRetentionDays' } }) } });
  });

  it('alarms on audit write failures and shows them on the dashboard', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AuditWriteFailures',
      Namespace: 'Slipway',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: Match.anyValue(),
    });
    const [, dashboard] = byType(t, 'AWS::CloudWatch::Dashboard')[0];
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain('AuditWriteFailures');
  });

  it('lets only the notifications function send email, and only from the SES identity parameter', () => {
    const ses = statements(t, 'notifications').filter((s: any) => actionsOf(s).includes('ses:SendEmail'));
    expect(ses).toHaveLength(1);
    expect(JSON.stringify(ses[0].Resource)).toContain('EmailIdentity');
    for (const other of ['api', 'pipelines', 'conductor', 'dispatcher', 'cron', 'webhooks']) {
      expect(JSON.stringify(statements(t, other))).not.toContain('ses:');
    }
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SLIPWAY_EMAIL_FROM: { Ref: 'EmailFrom' } }) } });
  });
});
