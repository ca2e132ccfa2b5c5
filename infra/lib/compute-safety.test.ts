import { Match } from 'aws-cdk-lib/assertions';
import { FUNCTION_NAMES } from '../../shared/model/function-grants';
import { REGISTER_HOOK_NAME, REQUEUE_HOOK_NAME } from './constructs/machine-group';
import { actionsOf, byType, roleStatements, statements, synthForTest } from './template-helpers';

const { template: t, error } = synthForTest({
  machineClasses: JSON.stringify({ medium: { instanceTypes: ['m6i.large'], warmPoolSize: 1 }, large: { spot: true } }),
});
const groups = byType(t, 'AWS::AutoScaling::AutoScalingGroup');

describe('machine pools and job tasks, safe for running jobs', () => {
  it('synthesizes cdk-nag clean', () => expect(error).toBeUndefined());

  it('turns capacity rebalancing off and replaces machines within a maximum lifetime', () => {
    expect(groups).toHaveLength(2);
    for (const [, g] of groups) expect(g.Properties).toMatchObject({ CapacityRebalance: false, MaxInstanceLifetime: 7 * 24 * 3600 });
  });

  it('holds every terminating machine in a lifecycle hook that cron completes once its job is requeued', () => {
    const hooks = byType(t, 'AWS::AutoScaling::LifecycleHook').filter(([, h]) => h.Properties.LifecycleHookName === REQUEUE_HOOK_NAME);
    expect(hooks.map(([, h]) => h.Properties.AutoScalingGroupName.Ref).sort()).toEqual(groups.map(([id]) => id).sort());
    for (const [, h] of hooks) {
      expect(h.Properties).toMatchObject({
        LifecycleHookName: REQUEUE_HOOK_NAME,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        DefaultResult: 'CONTINUE',
        HeartbeatTimeout: 120,
      });
    }
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
        detail: { AutoScalingGroupName: Match.arrayWith([{ Ref: groups[0][0] }]) },
      },
    });
    const complete = statements(t, 'cron').find((s) => actionsOf(s).includes('autoscaling:CompleteLifecycleAction'));
    expect([complete.Resource].flat()).toHaveLength(2);
  });

  it('suspends AZ rebalancing of every machine group', () => {
    const calls = byType(t, 'Custom::AWS').map(([, r]) => JSON.stringify(r.Properties.Create));
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call).toContain('suspendProcesses');
      expect(call).toContain('AZRebalance');
    }
  });

  it("starts a warm pool machine's runner only once it is InService", () => {
    t.hasResourceProperties('AWS::AutoScaling::WarmPool', { MinSize: 1, PoolState: 'Stopped' });
    for (const [, lt] of byType(t, 'AWS::EC2::LaunchTemplate')) {
      const userData = JSON.stringify(lt.Properties.LaunchTemplateData.UserData);
      expect(userData).toContain('meta-data/autoscaling/target-lifecycle-state');
      expect(userData).toContain('ExecStartPre=/usr/local/bin/slipway-wait-in-service');
    }
  });

  it('retries or fails a job within seconds when its Fargate task stops (ECS task state change rule to cron)', () => {
    const [clusterId] = byType(t, 'AWS::ECS::Cluster')[0];
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { clusterArn: [{ 'Fn::GetAtt': [clusterId, 'Arn'] }], lastStatus: ['STOPPED'], group: [{ prefix: 'slipway:' }] },
      },
    });
  });

  it('owns an ECR repository for the agent image, pulled by the task execution role and the machine roles (ECR login in user data)', () => {
    const [repoId] = byType(t, 'AWS::ECR::Repository')[0];
    t.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain', Properties: { ImageScanningConfiguration: { ScanOnPush: true } } });
    for (const [, td] of byType(t, 'AWS::ECS::TaskDefinition')) {
      expect(JSON.stringify(td.Properties.ContainerDefinitions[0].Image)).toContain(repoId);
    }
    const pullers = byType(t, 'AWS::IAM::Role').filter(([id]) =>
      roleStatements(t, id).some((s) => actionsOf(s).includes('ecr:BatchGetImage') && JSON.stringify(s.Resource).includes(repoId)),
    );
    const names = pullers.map(([, r]) => r.Properties.Description ?? 'execution role');
    expect(names.filter((n) => /machine runner/.test(n))).toHaveLength(2);
    expect(pullers.length).toBe(3);
    for (const [, lt] of byType(t, 'AWS::EC2::LaunchTemplate')) {
      const userData = JSON.stringify(lt.Properties.LaunchTemplateData.UserData);
      expect(userData).toContain('amazon-ecr-credential-helper');
      expect(userData).toContain('ecr-login');
      expect(userData).toContain(repoId);
    }
    expect(Object.keys(t.toJSON().Outputs).some((o) => o.includes('AgentRepositoryUri'))).toBe(true);
  });

  it("gives each machine its own runner credential: a launch hook cron completes, and a role that reads only its own instance's parameter", () => {
    const hooks = byType(t, 'AWS::AutoScaling::LifecycleHook').filter(([, h]) => h.Properties.LifecycleHookName === REGISTER_HOOK_NAME);
    expect(hooks.map(([, h]) => h.Properties.AutoScalingGroupName.Ref).sort()).toEqual(groups.map(([id]) => id).sort());
    for (const [, h] of hooks)
      expect(h.Properties).toMatchObject({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', DefaultResult: 'ABANDON', HeartbeatTimeout: 300 });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-launch Lifecycle Action'],
        detail: { AutoScalingGroupName: Match.arrayWith([{ Ref: groups[0][0] }]) },
      },
    });
    const machineRoles = byType(t, 'AWS::IAM::Role').filter(([, r]) => /machine runner/.test(r.Properties.Description ?? ''));
    expect(machineRoles).toHaveLength(2);
    for (const [id] of machineRoles) {
      const granted = roleStatements(t, id);
      const read = granted.find((s) => actionsOf(s).includes('ssm:GetParameter'));
      expect(JSON.stringify(read.Resource)).toContain(':parameter/slipway/Slipway/runners/*');
      expect(read.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/slipway:instance-arn': '${ec2:SourceInstanceARN}' } });
      // The control plane terminates machines; the instances cannot, nor read any shared secret.
      expect(granted.flatMap(actionsOf).filter((a) => /^(autoscaling|secretsmanager|ec2):/.test(a))).toEqual([]);
    }
    for (const [, lt] of byType(t, 'AWS::EC2::LaunchTemplate')) {
      const userData = JSON.stringify(lt.Properties.LaunchTemplateData.UserData);
      expect(userData).toContain('--token-parameter /slipway/Slipway/runners --once');
      expect(userData).not.toContain('--terminate-instance');
      expect(userData).not.toContain('--token-secret');
    }
  });

  it('pulls Docker Hub job images through an ECR pull-through cache when dockerHubCacheSecretArn is given', () => {
    const secret = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/dockerhub-AbCdEf';
    const cached = synthForTest({ dockerHubCacheSecretArn: secret });
    expect(cached.error).toBeUndefined();
    cached.template.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'docker-hub',
      UpstreamRegistry: 'docker-hub',
      UpstreamRegistryUrl: 'registry-1.docker.io',
      CredentialArn: secret,
    });
    const [execRole] = byType(cached.template, 'AWS::IAM::Role').find(
      ([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ecs-tasks') && !r.Properties.Description,
    )!;
    const pull = roleStatements(cached.template, execRole).find((st) => actionsOf(st).includes('ecr:BatchImportUpstreamImage'));
    expect(JSON.stringify(pull.Resource)).toContain(':repository/docker-hub/*');
    const dispatcher = byType(cached.template, 'AWS::Lambda::Function').find(
      ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'slipway-dispatcher',
    )!;
    expect(JSON.stringify(dispatcher[1].Properties.Environment.Variables.ECS_DOCKER_HUB_MIRROR)).toContain('/docker-hub');
    // Off by default.
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
    expect(() => synthForTest({ dockerHubCacheSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:dockerhub' })).toThrow(
      /starts with "ecr-pullthroughcache\/"/,
    );
  });
});

describe("jobs' private ECR images on Fargate", () => {
  const repos = ['arn:aws:ecr:eu-west-1:123456789012:repository/team/app', 'arn:aws:ecr:eu-west-1:210987654321:repository/shared/*'];
  const synth = synthForTest({ jobImageRepositories: repos.join(',') });

  it('lets the task execution role pull from the listed repositories only (cdk-nag clean)', () => {
    expect(synth.error).toBeUndefined();
    const role = byType(synth.template, 'AWS::IAM::Role').find(([id]) => id.includes('ExecutionRole'))!;
    const pulls = roleStatements(synth.template, role[0]).filter((s) => actionsOf(s).includes('ecr:BatchGetImage'));
    const listed = pulls.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(repos));
    expect(listed).toHaveLength(1);
    expect(actionsOf(listed[0]).sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
  });

  it("lets the task execution role read only the stack's registry login secrets (images' auth), which only the dispatcher writes", () => {
    const role = byType(t, 'AWS::IAM::Role').find(([id]) => id.includes('ExecutionRole'))!;
    const reads = roleStatements(t, role[0]).filter((s) => JSON.stringify(s.Action).includes('secretsmanager:'));
    expect(reads).toHaveLength(1);
    expect(actionsOf(reads[0])).toEqual(['secretsmanager:GetSecretValue']);
    expect(JSON.stringify(reads[0].Resource)).toMatch(/:secretsmanager:.*:secret:slipway\/\w+\/registry\/\*"/);
    const writers = FUNCTION_NAMES.filter((fn) => statements(t, fn).some((st) => actionsOf(st).includes('secretsmanager:CreateSecret')));
    expect(writers).toEqual(['dispatcher']);
    const create = statements(t, 'dispatcher').find((st) => actionsOf(st).includes('secretsmanager:CreateSecret'));
    expect(JSON.stringify(create.Resource)).toBe(JSON.stringify(reads[0].Resource));
    expect(create.Condition).toEqual({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['slipway:registry-credentials'] } });
  });

  it('grants no job repository without the list', () => {
    const role = byType(t, 'AWS::IAM::Role').find(([id]) => id.includes('ExecutionRole'))!;
    const resources = roleStatements(t, role[0])
      .filter((s) => actionsOf(s).includes('ecr:BatchGetImage'))
      .flatMap((s) => [s.Resource].flat());
    expect(JSON.stringify(resources)).not.toContain('repository/team');
    expect(resources.length).toBeGreaterThan(0);
  });
});
