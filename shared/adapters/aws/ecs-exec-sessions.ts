import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { FARGATE_TASK_LAYOUT } from '../../model/resource-classes';
import type { Clock } from '../../ports/clock';
import type { ExecSessions } from '../../ports/exec-sessions';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

export interface EcsExecSessionsOptions {
  clock: Clock;
  /** A task's answer is reused for this long: heartbeats come every few seconds, SSM is asked at most this often. */
  checkEveryMs?: number;
  /** The container users exec into (`slipway ssh` names it). */
  container?: string;
}

/** Tasks remembered (runtime id, last answer); the oldest is forgotten beyond this. */
const MAX_TASKS = 500;
/** Session statuses of the Active state that no longer carry a shell. */
const ENDING = new Set(['Terminating', 'Terminated', 'Failed']);

interface Remembered {
  computeId?: string;
  runtimeId?: string;
  checkedAt?: number;
  active?: boolean;
}

/**
 * ECS Exec sessions of Fargate tasks, from SSM Session Manager: an ECS Exec session's target is
 * `ecs:<cluster name>_<task id>_<container runtime id>`, so the task's container runtime id is looked up once
 * (`ecs:DescribeTasks`) and `ssm:DescribeSessions` (state Active, filtered by that target) says whether one is
 * open. Each task attempt's answer is kept for `checkEveryMs` (a minute by default) in this process, and its compute
 * is looked up only when an answer is due.
 */
export class EcsExecSessions implements ExecSessions {
  private readonly tasks = new Map<string, Remembered>();
  private readonly checkEveryMs: number;
  private readonly container: string;
  private readonly ecs: () => ECSClient;
  private readonly ssm: () => SSMClient;

  constructor(
    ecs: ClientSource<ECSClient>,
    ssm: ClientSource<SSMClient>,
    private readonly options: EcsExecSessionsOptions,
  ) {
    this.ecs = clientOf(ecs);
    this.ssm = clientOf(ssm);
    this.checkEveryMs = options.checkEveryMs ?? 60_000;
    this.container = options.container ?? FARGATE_TASK_LAYOUT.primaryContainer;
  }

  async active(ref: { ref: string; computeId: () => Promise<string | undefined> }): Promise<boolean> {
    const now = this.options.clock.now().getTime();
    const known = this.remember(ref.ref);
    if (known.checkedAt !== undefined && now - known.checkedAt < this.checkEveryMs) return known.active === true;
    known.checkedAt = now;
    known.active = false;
    known.computeId ??= await ref.computeId();
    const task = known.computeId && /^arn:aws[\w-]*:ecs:[^:]+:\d+:task\/([^/]+)\/([^/]+)$/.exec(known.computeId);
    if (!task) return false;
    known.runtimeId ??= await this.runtimeId(task[1], known.computeId!);
    known.active = known.runtimeId !== undefined && (await this.sessionOpen(`ecs:${task[1]}_${task[2]}_${known.runtimeId}`));
    return known.active;
  }

  private remember(ref: string): Remembered {
    let known = this.tasks.get(ref);
    if (!known) {
      if (this.tasks.size >= MAX_TASKS) this.tasks.delete(this.tasks.keys().next().value!);
      this.tasks.set(ref, (known = {}));
    }
    return known;
  }

  /** The runtime id of the task's exec container; undefined until that container has started. */
  private async runtimeId(cluster: string, taskArn: string): Promise<string | undefined> {
    const { DescribeTasksCommand } = sdk.ecs();
    const out = await this.ecs().send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    return out.tasks?.[0]?.containers?.find((c) => c.name === this.container)?.runtimeId || undefined;
  }

  private async sessionOpen(target: string): Promise<boolean> {
    const { DescribeSessionsCommand } = sdk.ssm();
    const out = await this.ssm().send(new DescribeSessionsCommand({ State: 'Active', Filters: [{ key: 'Target', value: target }], MaxResults: 20 }));
    return (out.Sessions ?? []).some((s) => !ENDING.has(String(s.Status)));
  }
}
