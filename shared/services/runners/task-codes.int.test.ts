import { randomBytes } from 'node:crypto';
import { createTestResources } from '../../../test/support/aws';
import { DynamoDedupeStore } from '../../adapters/aws/dynamo-dedupe-store';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { ConflictError, UnauthorizedError } from '../../model/errors';
import { aJob, aWorkflow } from '../../model/fixtures';
import type { ControlPlaneDeps } from '../deps';
import { exchangeTaskCode, TASK_CODE_TTL_SECONDS } from './task-codes';
import { TokenService } from '../../adapters/jose/token-service';

describe('exchangeTaskCode', () => {
  async function setup() {
    const r = await createTestResources({ queues: false });
    const deps = {
      pipelines: new DynamoPipelineStore(r.table),
      dedupe: new DynamoDedupeStore(r.table),
      tokens: new TokenService(randomBytes(32)),
      clock: { now: () => new Date() },
    } as unknown as ControlPlaneDeps;
    const wf = aWorkflow();
    const job = aJob(wf, { status: 'queued', tasks: [{ index: 0, status: 'queued', attempt: 2, steps: [] }] });
    await deps.pipelines.createWorkflow(wf, [job]);
    const claims = { workflowId: wf.id, jobId: job.id, taskIndex: 0, attempt: 2 };
    return { deps, claims, code: await deps.tokens.signTaskCode(claims, TASK_CODE_TTL_SECONDS) };
  }

  it('gives the task token of its task and attempt once; a second use is refused', async () => {
    const { deps, claims, code } = await setup();
    const { taskToken } = await exchangeTaskCode(deps, code);
    expect(await deps.tokens.verifyTask(taskToken)).toEqual(claims);
    const again = await exchangeTaskCode(deps, code).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(UnauthorizedError);
    expect((again as Error).message).toMatch(/already exchanged/);
    // Of two concurrent exchanges of a fresh code, exactly one gets a token.
    const fresh = await deps.tokens.signTaskCode(claims, TASK_CODE_TTL_SECONDS);
    const results = await Promise.allSettled([exchangeTaskCode(deps, fresh), exchangeTaskCode(deps, fresh), exchangeTaskCode(deps, fresh)]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses an expired code, a forged one and a task token presented as a code', async () => {
    const { deps, claims } = await setup();
    await expect(exchangeTaskCode(deps, await deps.tokens.signTaskCode(claims, 0))).rejects.toThrow(/Invalid or expired task-code token/);
    await expect(exchangeTaskCode(deps, await new TokenService(randomBytes(32)).signTaskCode(claims, 60))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(exchangeTaskCode(deps, await deps.tokens.signTask(claims, 60))).rejects.toThrow(/not a task-code token/);
  });

  it('gets nothing for a superseded attempt or a task that ended', async () => {
    const { deps, claims } = await setup();
    const old = await deps.tokens.signTaskCode({ ...claims, attempt: 1 }, 60);
    await expect(exchangeTaskCode(deps, old)).rejects.toBeInstanceOf(ConflictError);
    await deps.pipelines.updateTask(claims.workflowId, claims.jobId, 0, { status: 'queued', attempt: 2 }, { status: 'canceled' });
    await expect(exchangeTaskCode(deps, await deps.tokens.signTaskCode(claims, 60))).rejects.toThrow(/Task is canceled/);
  });
});
