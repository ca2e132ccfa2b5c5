import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsExecSessions } from './ecs-exec-sessions';

const ecs = mockClient(ECSClient);
const ssm = mockClient(SSMClient);
const TASK = 'arn:aws:ecs:eu-west-1:111122223333:task/slipway-jobs/0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const TARGET = 'ecs:slipway-jobs_0f1e2d3c4b5a69788796a5b4c3d2e1f0_0f1e2d3c4b5a69788796a5b4c3d2e1f0-2531612879';
const containers = [
  { name: 'agent', runtimeId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0-1111111111' },
  { name: 'primary', runtimeId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0-2531612879' },
];

/** A task attempt whose compute is `computeId`, counting the lookups. */
let lookups = 0;
const at = (computeId: string) => ({ ref: `job-1:0:0@${computeId}`, computeId: async () => (lookups++, computeId) });

describe('EcsExecSessions (ECS Exec sessions into Fargate tasks, from SSM Session Manager)', () => {
  let now = 0;
  const sessions = () =>
    new EcsExecSessions(new ECSClient({ region: 'eu-west-1' }), new SSMClient({ region: 'eu-west-1' }), { clock: { now: () => new Date(now) } });
  beforeEach(() => {
    now = Date.parse('2026-12-07T10:00:00Z');
    ecs.reset();
    ssm.reset();
    lookups = 0;
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, containers }] });
  });

  it("asks Session Manager for active sessions whose target is the primary container's, looking the runtime id up once", async () => {
    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [{ SessionId: 'ada-0abc', Target: TARGET, Status: 'Connected' }] });
    const s = sessions();
    expect(await s.active(at(TASK))).toBe(true);
    expect(ecs.commandCalls(DescribeTasksCommand)[0].args[0].input).toEqual({ cluster: 'slipway-jobs', tasks: [TASK] });
    expect(ssm.commandCalls(DescribeSessionsCommand)[0].args[0].input).toMatchObject({ State: 'Active', Filters: [{ key: 'Target', value: TARGET }] });

    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
    now += 60_000;
    expect(await s.active(at(TASK))).toBe(false);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(1);
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(2);
  });

  it('asks at most once a minute per task, reusing the last answer in between', async () => {
    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [{ SessionId: 'ada-0abc', Target: TARGET, Status: 'Connected' }] });
    const s = sessions();
    expect(await s.active(at(TASK))).toBe(true);
    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [] });
    for (let i = 0; i < 4; i++) {
      now += 14_999;
      expect(await s.active(at(TASK))).toBe(true);
    }
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(1);
    now += 4;
    expect(await s.active(at(TASK))).toBe(false);
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(2);
  });

  it('counts no session that is ending, and none before the container has started (then looks its runtime id up again)', async () => {
    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [{ SessionId: 'ada-0abc', Target: TARGET, Status: 'Terminating' }] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, containers: [{ name: 'primary' }] }] });
    const s = sessions();
    expect(await s.active(at(TASK))).toBe(false);
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(0);
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, containers }] });
    now += 60_000;
    expect(await s.active(at(TASK))).toBe(false);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(2);
    expect(ssm.commandCalls(DescribeSessionsCommand)).toHaveLength(1);
  });

  it('says false without asking for compute that is no ECS task (a machine, a runner)', async () => {
    const s = sessions();
    expect(await s.active(at('machine:i-0abc123'))).toBe(false);
    expect(await s.active(at('runner:r-1'))).toBe(false);
    expect(ecs.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("finds a task attempt's compute once, and only when an answer is due; until found, it asks again a minute later", async () => {
    ssm.on(DescribeSessionsCommand).resolves({ Sessions: [{ SessionId: 'ada-0abc', Target: TARGET, Status: 'Connected' }] });
    const s = sessions();
    const listed: { task?: string } = {};
    const task = { ref: 'job-2:0:1', computeId: async () => (lookups++, listed.task) };
    expect(await s.active(task)).toBe(false);
    now += 30_000;
    listed.task = TASK;
    expect(await s.active(task)).toBe(false);
    expect(lookups).toBe(1);
    now += 30_000;
    expect(await s.active(task)).toBe(true);
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      expect(await s.active(task)).toBe(true);
    }
    expect(lookups).toBe(2);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(1);
  });
});
