import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { createTestResources, type TestResources } from '../../../test/support/aws';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { SqsMessageQueue } from '../../adapters/aws/sqs-message-queue';
import { ComputeCapacityError, ValidationError } from '../../model/errors';
import { aJob, aWorkflow } from '../../model/fixtures';
import { systemClock } from '../../ports/clock';
import type { JobCompute } from '../../ports/job-compute';
import type { ControlPlaneDeps } from '../deps';
import { capacityRetryDelaySeconds, dispatchReceived } from './dispatch-task';
import { TokenService } from '../../adapters/jose/token-service';

describe('dispatchReceived', () => {
  let r: TestResources;
  let visibility: Array<{ ReceiptHandle?: string; VisibilityTimeout?: number }>;

  beforeAll(async () => {
    r = await createTestResources();
    visibility = [];
    r.clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ChangeMessageVisibilityCommand') visibility.push(args.input as never);
        return next(args);
      },
      { step: 'initialize', name: 'recordVisibility' },
    );
  });

  async function setup(compute: JobCompute) {
    const pipelines = new DynamoPipelineStore(r.table);
    const workflow = aWorkflow();
    const job = aJob(workflow, { status: 'queued', tasks: [{ index: 0, status: 'queued', attempt: 0, steps: [] }] });
    await pipelines.createWorkflow(workflow, [job]);
    const queue = new SqsMessageQueue(r.clients.sqs, r.queueUrls);
    const deps = {
      pipelines,
      queue,
      compute,
      runners: {},
      tokens: new TokenService(randomBytes(32)),
      clock: systemClock,
      publicUrl: 'https://ci.example.com',
    } as unknown as ControlPlaneDeps;
    const msg = { workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 0 };
    await r.clients.sqs.send(new SendMessageCommand({ QueueUrl: r.queueUrls.dispatch, MessageBody: JSON.stringify(msg) }));
    const received = await r.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    const m = received.Messages![0];
    return { deps, msg, receiptHandle: m.ReceiptHandle!, receiveCount: Number(m.Attributes!.ApproximateReceiveCount) };
  }

  const receiveAgain = async () => (await r.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: r.queueUrls.dispatch, WaitTimeSeconds: 0 }))).Messages ?? [];

  it('backs off 15 s, doubling per receive, at most 90 s', () => {
    expect([1, 2, 3, 4, 5, 9].map(capacityRetryDelaySeconds)).toEqual([15, 30, 60, 90, 90, 90]);
  });

  it('makes a message that found no capacity visible again within seconds, not after the visibility timeout, and still fails it', async () => {
    const noCapacity: JobCompute = {
      launch: async () => Promise.reject(new ComputeCapacityError('Fargate could not start the task now')),
      stop: async () => undefined,
      find: async () => undefined,
    };
    const { deps, msg, receiptHandle, receiveCount } = await setup(noCapacity);
    expect(receiveCount).toBe(1);
    visibility.length = 0;
    await expect(dispatchReceived(deps, msg, { receiptHandle, receiveCount: 3 })).rejects.toBeInstanceOf(ComputeCapacityError);
    expect(visibility).toEqual([expect.objectContaining({ ReceiptHandle: receiptHandle, VisibilityTimeout: 60 })]);
    // The change is real on the queue: a zero delay hands the message out again at once.
    await deps.queue.retryIn!('dispatch', receiptHandle, 0);
    expect((await receiveAgain()).map((m) => JSON.parse(m.Body!))).toEqual([msg]);
  });

  it("leaves other failures to the queue's visibility timeout", async () => {
    const refused: JobCompute = {
      launch: async () => Promise.reject(new ValidationError('Fargate refused the task: bad image')),
      stop: async () => undefined,
      find: async () => undefined,
    };
    const { deps, msg, receiptHandle } = await setup(refused);
    visibility.length = 0;
    await expect(dispatchReceived(deps, msg, { receiptHandle, receiveCount: 1 })).rejects.toBeInstanceOf(ValidationError);
    expect(visibility).toEqual([]);
    expect(await receiveAgain()).toEqual([]);
  });
});
