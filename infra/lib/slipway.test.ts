import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DOCKER_RESOURCE_CLASSES } from '../../shared/model/resource-classes';
import { SlipwayStack, propsFromContext } from './slipway-stack';
import { actionsOf, byType, fnByService, roleStatements, statements, synthForTest } from './template-helpers';

const REQUIRED_ENV = [
  'TABLE_NAME',
  'BUCKET_NAME',
  'TRIGGERS_QUEUE_URL',
  'DISPATCH_QUEUE_URL',
  'EVENTS_QUEUE_URL',
  'NOTIFY_QUEUE_URL',
  'PUBLIC_URL',
  'COMPUTE_MODE',
  'KMS_KEY_ID',
  'SIGNING_KEY_SECRET_ARN',
  'ECS_CLUSTER_ARN',
  'ECS_SUBNETS',
  'ECS_SECURITY_GROUPS',
  'ECS_TASK_DEFINITIONS',
  'MACHINE_ASGS',
  'GITHUB_APP_SECRET_ARN',
  'GITHUB_API_URL',
  'JOB_LEASE_SECONDS',
  'POWERTOOLS_SERVICE_NAME',
];

const synth = synthForTest;

describe('Slipway (default: public API, new VPC, default classes)', () => {
  const { template: t, error } = synth();

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    expect(error).toBeUndefined();
  });

  it('creates the table with pk/sk, gsi1/gsi2, on-demand, PITR, TTL, deletion protection and KMS', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
        Match.objectLike({
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ],
    });
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('creates the data bucket encrypted, private, versioned for Object Lock, logged, with CORS and a lifecycle rule per prefix', () => {
    const [, bucket] = byType(t, 'AWS::S3::Bucket').find(([, b]) => b.Properties.LifecycleConfiguration?.Rules?.length === 6)!;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: expect.anything(), LogFilePrefix: 's3-access/' },
      CorsConfiguration: { CorsRules: [expect.objectContaining({ AllowedMethods: ['GET', 'HEAD'] })] },
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.LifecycleConfiguration.Rules.every((r: any) => r.NoncurrentVersionExpiration?.NoncurrentDays === 1)).toBe(true);
    const rules = Object.fromEntries(bucket.Properties.LifecycleConfiguration.Rules.map((r: any) => [r.Prefix, r.ExpirationInDays]));
    expect(rules).toEqual({ 'logs/': 30, 'artifacts/': 30, 'caches/': 15, 'workspaces/': 15, 'test-results/': 30, 'audit/': 400 });
    // enforceSSL on every bucket
    for (const [, policy] of byType(t, 'AWS::S3::BucketPolicy')) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('creates four queues with DLQs (maxReceiveCount 5), SSE and a FIFO events queue without content-based dedup', () => {
    const queues = byType(t, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(8);
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const main = queues.filter(([, q]) => q.Properties.RedrivePolicy);
    expect(main).toHaveLength(4);
    for (const [, q] of main) expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    t.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, ContentBasedDeduplication: false, RedrivePolicy: Match.anyValue() });
    t.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 2);
  });

  it('creates a rotating KMS key and the GitHub App, signing key and runner token secrets', () => {
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'slipway/github-app', KmsKeyId: Match.anyValue() });
    t.resourcePropertiesCountIs('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) }, 1);
  });

  it('creates seven Node.js 22 arm64 functions with the environment functions/env.ts reads', () => {
    const fns = byType(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
    expect(fns.map(([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort()).toEqual(
      ['api', 'conductor', 'cron', 'dispatcher', 'notifications', 'pipelines', 'webhooks'].map((n) => `slipway-${n}`),
    );
    for (const [, f] of fns) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(Object.keys(f.Properties.Environment.Variables)).toEqual(expect.arrayContaining(REQUIRED_ENV));
      expect(f.Properties.Environment.Variables.COMPUTE_MODE).toBe('aws');
    }
    expect(fnByService(t, 'cron')[1].Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('wires each queue to its consumer with partial batch failures', () => {
    const mappings = byType(t, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(4);
    for (const [, m] of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('runs cron every minute and on EC2 Spot interruption warnings', () => {
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] } });
  });

  it('routes the HTTP API: /api, /runner, /healthz to api and POST /webhooks to webhooks, with access logs', () => {
    const keys = byType(t, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties.RouteKey)
      .sort();
    expect(keys).toEqual(['ANY /api/{proxy+}', 'ANY /runner/{proxy+}', 'GET /.well-known/{proxy+}', 'GET /healthz', 'POST /webhooks/{proxy+}']);
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AccessLogSettings: Match.anyValue() });
  });

  it('serves the UI and proxies /api/*, /runner/*, /webhooks/* through CloudFront with origin access control', () => {
    const [, dist] = byType(t, 'AWS::CloudFront::Distribution')[0];
    const paths = dist.Properties.DistributionConfig.CacheBehaviors.map((b: any) => b.PathPattern);
    expect(paths).toEqual(expect.arrayContaining(['/api/*', '/runner/*', '/webhooks/*']));
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    expect(byType(t, 'Custom::CDKBucketDeployment')).toHaveLength(0);
  });

  it('creates a cluster with FARGATE and FARGATE_SPOT and a task definition per docker resource class', () => {
    t.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
    const tds = byType(t, 'AWS::ECS::TaskDefinition');
    expect(tds).toHaveLength(DOCKER_RESOURCE_CLASSES.length);
    for (const cls of DOCKER_RESOURCE_CLASSES) {
      const [, td] = tds.find(([, d]) => d.Properties.Family === `Slipway-job-${cls.name.replace('+', 'plus').replace('.', '-')}`)!;
      expect(td.Properties).toMatchObject({
        Cpu: String(cls.cpu),
        Memory: String(cls.memoryMiB),
        NetworkMode: 'awsvpc',
        RuntimePlatform: { CpuArchitecture: cls.architecture === 'arm64' ? 'ARM64' : 'X86_64', OperatingSystemFamily: 'LINUX' },
        Volumes: [{ Name: 'slipway' }],
      });
      const [agent] = td.Properties.ContainerDefinitions;
      expect(agent).toMatchObject({ Name: 'agent', Essential: true, LogConfiguration: { LogDriver: 'awslogs' } });
      expect(agent.Secrets).toBeUndefined();
    }
  });

  it('lays out each task: shared volume in agent and primary, shim dir on the agent, primary runs the shim after the agent starts', () => {
    for (const [, td] of byType(t, 'AWS::ECS::TaskDefinition')) {
      expect(td.Properties.Volumes).toEqual([{ Name: 'slipway' }]);
      const containers = Object.fromEntries(td.Properties.ContainerDefinitions.map((c: any) => [c.Name, c]));
      expect(Object.keys(containers).sort()).toEqual(['agent', 'primary']);
      const { agent, primary } = containers;
      const mount = [{ SourceVolume: 'slipway', ContainerPath: '/slipway', ReadOnly: false }];
      expect(agent.MountPoints).toEqual(mount);
      expect(primary.MountPoints).toEqual(mount);
      // Layout only: the URL and task token come as RunTask overrides, secrets in the job spec.
      expect(Object.fromEntries(agent.Environment.map((e: any) => [e.Name, e.Value]))).toEqual({
        SLIPWAY_SHIM_DIR: '/slipway/steps',
        SLIPWAY_SHIM_PATH: '/slipway/bin/shim',
        SLIPWAY_WORK_ROOT: '/slipway/work',
      });
      expect(primary).toMatchObject({
        Essential: false,
        EntryPoint: ['/bin/sh', '-c'],
        Command: [expect.stringMatching(/^until \[ -f \/slipway\/bin\/shim \]; .*; exec sh \/slipway\/bin\/shim \/slipway\/steps$/)],
        DependsOn: [{ ContainerName: 'agent', Condition: 'START' }],
        LogConfiguration: { LogDriver: 'awslogs' },
      });
      for (const c of [agent, primary]) expect(c.Secrets).toBeUndefined();
    }
  });

  it('launches machines with IMDSv2 only, encrypted gp3 root volumes and the runner in user data (no secrets)', () => {
    const lts = byType(t, 'AWS::EC2::LaunchTemplate');
    expect(lts).toHaveLength(2);
    for (const [, lt] of lts) {
      const data = lt.Properties.LaunchTemplateData;
      expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
      expect(data.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
      const userData = JSON.stringify(data.UserData);
      expect(userData).toMatch(/slipway runner --resource-class machine\/(arm\.)?medium --token-parameter \/slipway\/[^ ]+\/runners --once/);
      expect(userData).toContain('docker cp \\"$cid\\":/opt/slipway /opt/slipway');
      expect(userData).toContain('ln -sf /opt/slipway/bin/slipway /usr/local/bin/slipway');
      expect(userData).toMatch(/Environment=AWS_REGION=/);
      expect(userData).toContain('Restart=on-failure');
      expect(userData).not.toMatch(/SecretString|resolve:secretsmanager/);
    }
    t.resourcePropertiesCountIs('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0', MaxSize: '4' }, 2);
  });

  it("lets each machine role read only its own instance's credential, terminate nothing (the control plane does) and open Session Manager channels", () => {
    const roles = Object.keys(t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('Slipway machine runner') } }));
    expect(roles).toHaveLength(2);
    const groups = byType(t, 'AWS::AutoScaling::AutoScalingGroup');
    const classTags = groups.map(([, g]) => g.Properties.Tags.find((tag: any) => tag.Key === 'slipway:machine-class'));
    expect(classTags.map((tag) => tag.Value).sort()).toEqual(['arm.medium', 'medium']);
    for (const tag of classTags) expect(tag.PropagateAtLaunch).toBe(true);
    for (const roleId of roles) {
      const all = roleStatements(t, roleId);
      const read = all.filter((s) => actionsOf(s).includes('ssm:GetParameter'));
      expect(read).toHaveLength(1);
      expect(read[0].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/slipway:instance-arn': '${ec2:SourceInstanceARN}' } });
      // Besides: the SSM agent's registration and Session Manager channels (rerun with SSH; machine-ssh.test.ts).
      const sessionManager = [
        'ssm:UpdateInstanceInformation',
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
      ];
      const others = all.flatMap(actionsOf).filter((a) => !a.startsWith('ecr:') && a !== 'ssm:GetParameter' && !sessionManager.includes(a));
      expect(others).toEqual([]);
    }
    // cron terminates instances of Slipway's groups only, and issues their credentials.
    const cron = statements(t, 'cron');
    expect(cron.some((s) => actionsOf(s).includes('autoscaling:DescribeAutoScalingInstances'))).toBe(true);
    const cronTerminate = cron.find((s) => actionsOf(s).includes('autoscaling:TerminateInstanceInAutoScalingGroup'));
    expect([cronTerminate.Resource].flat()).toHaveLength(2);
    expect(JSON.stringify(cronTerminate.Resource)).toContain('autoScalingGroupName/');
    const env = fnByService(t, 'cron')[1].Properties.Environment.Variables;
    expect(env.MACHINE_CREDENTIAL_PATH).toMatch(/^\/slipway\/.+\/runners$/);
    expect(JSON.stringify(env.MACHINE_INSTANCE_ARN_PREFIX)).toContain(':instance/');
    expect(env.MACHINE_RUNNER_TOKEN_SECRET_ARN).toBeUndefined();
  });

  it('has a dashboard and alarms for DLQs, error rates, throttles and stuck jobs, all to the SNS topic', () => {
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const alarms = byType(t, 'AWS::CloudWatch::Alarm');
    const dlq = alarms.filter(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlq).toHaveLength(4);
    expect(alarms.filter(([, a]) => a.Properties.MetricName === 'Throttles')).toHaveLength(6);
    expect(alarms.filter(([, a]) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage')).toHaveLength(2);
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const body = JSON.stringify(byType(t, 'AWS::CloudWatch::Dashboard')[0][1].Properties.DashboardBody);
    for (const metric of [
      'JobsQueued',
      'JobsStarted',
      'JobsFinished',
      'QueueWaitMs',
      'JobDurationMs',
      'WebhookRejected',
      'MessagesFailed',
      'ApiServerErrors',
      'TasksLaunched',
      'TaskLaunchFailures',
      'GroupInServiceInstances',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('gives the new VPC free S3 and DynamoDB gateway endpoints and flow logs', () => {
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    t.resourceCountIs('AWS::EC2::NatGateway', 1);
    t.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'REJECT' });
  });

  it('is protected from termination and logs at the configured level', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], logLevel: 'DEBUG' } });
    const stack = new SlipwayStack(app, 'S', { slipway: { webAssetPath: '/nonexistent' } });
    expect(stack.terminationProtection).toBe(true);
    expect(
      new SlipwayStack(new App({ context: { terminationProtection: 'false' } }), 'T', { slipway: { webAssetPath: '/nonexistent' } }).terminationProtection,
    ).toBe(false);
    for (const [, f] of byType(t, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME)) {
      expect(f.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    }
    expect(propsFromContext(app.node).logLevel).toBe('DEBUG');
  });

  it('outputs the API, webhook and UI URLs and the dashboard name', () => {
    const outputs = Object.keys(t.toJSON().Outputs);
    for (const name of ['ApiUrl', 'WebhookUrl', 'UiUrl', 'DashboardName']) expect(outputs.some((o) => o.includes(name))).toBe(true);
  });
});

describe('Slipway (private API, existing VPC, Spot and warm pool machines)', () => {
  const { template: t, error } = synth({
    apiAccess: 'private',
    domainName: 'ci.example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/0000',
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.1.0.0/16',
    vpcAvailabilityZones: 'eu-west-1a,eu-west-1b',
    vpcPrivateSubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
    machineClasses: JSON.stringify({ large: { spot: true, maxSize: 8 }, medium: { instanceTypes: ['m6i.large'], warmPoolSize: 2 } }),
    retentionDays: { caches: 7 },
    alarmEmail: 'ops@example.com',
  });

  it('passes cdk-nag', () => expect(error).toBeUndefined());

  it('uses the imported VPC and an internal HTTPS load balancer instead of CloudFront and API Gateway', () => {
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.resourceCountIs('AWS::CloudFront::Distribution', 0);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Subnets: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Port: 443 });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
  });

  it('builds Spot groups with a mixed instances policy and on-demand groups with a warm pool', () => {
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MaxSize: '8',
      CapacityRebalance: false,
      MixedInstancesPolicy: { InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'price-capacity-optimized' } },
    });
    t.hasResourceProperties('AWS::AutoScaling::WarmPool', { MinSize: 2, PoolState: 'Stopped' });
  });

  it('applies per-prefix retention overrides and subscribes the alarm e-mail', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'caches/', ExpirationInDays: 7 })]) },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('Slipway props validation', () => {
  const build = (slipway: Record<string, unknown>) => () =>
    new SlipwayStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S', { slipway: { webAssetPath: '/nonexistent', ...slipway } });

  it('rejects a warm pool with Spot instances', () => {
    expect(build({ machineClasses: { medium: { spot: true, warmPoolSize: 1 } } })).toThrow(/warm pool needs on-demand/);
  });
  it('rejects a private API without a certificate', () => {
    expect(build({ apiAccess: 'private' })).toThrow(/needs domainName and certificateArn/);
  });
  it('rejects a VPC without NAT unless compute runs in public subnets', () => {
    expect(build({ natGateways: 0 })).toThrow(/computeSubnets "public"/);
    expect(build({ natGateways: 0, computeSubnets: 'public', machineClasses: {} })).not.toThrow();
  });

  it('reads its props from context', () => {
    const app = new App({
      context: { natGateways: '0', computeSubnets: 'public', fargateSpot: 'true', retentionDays: '{"logs":7}', vpcId: 'vpc-1', vpcPrivateSubnetIds: 'a, b' },
    });
    const props = propsFromContext(app.node);
    expect(props).toMatchObject({ natGateways: 0, computeSubnets: 'public', fargateSpot: true, retentionDays: { logs: 7 } });
    expect(props.existingVpc?.privateSubnetIds).toEqual(['a', 'b']);
  });
});
