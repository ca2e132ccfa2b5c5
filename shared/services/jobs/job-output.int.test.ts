import { S3BlobStore } from '../../adapters/aws/s3-blob-store';
import type { Job, StepAction } from '../../model/entities';
import { aJob, aWorkflow } from '../../model/fixtures';
import { createTestResources } from '../../../test/support/aws';
import { logPrefix } from '../runners/runner-protocol';
import { readStepOutput } from './job-output';

describe("a step's output", () => {
  const jobWith = (action: Partial<StepAction>): Job => {
    const job = aJob(aWorkflow(), { status: 'running' });
    job.tasks[0] = {
      ...job.tasks[0],
      status: 'running',
      steps: [{ index: 0, name: 'Count', type: 'run', actions: [{ index: 0, status: 'running', startedAt: '2026-12-07T10:00:00.000Z', ...action }] }],
    };
    return job;
  };

  it('is, while it runs and before its first chunk, the preview its agent reported; then its chunks; once ended, inline output as is', async () => {
    const r = await createTestResources({ queues: false });
    const blobs = new S3BlobStore(r.clients.s3, r.bucket);
    const running = jobWith({ output: 'tick 1\n' });
    expect(await readStepOutput({ blobs }, running, 0, 0)).toEqual([{ message: 'tick 1\n', type: 'out', time: '2026-12-07T10:00:00.000Z' }]);

    // The first chunk (which holds the preview's output, and more) replaces the preview.
    await blobs.put(`${logPrefix(running.id, 0, 0, 0)}00000000`, 'tick 1\ntick 2\n');
    expect((await readStepOutput({ blobs }, running, 0, 0)).map((m) => m.message)).toEqual(['tick 1\ntick 2\n']);

    const ended = jobWith({ status: 'success', stoppedAt: '2026-12-07T10:00:05.000Z', output: 'all of it\n' });
    expect(await readStepOutput({ blobs }, ended, 0, 0)).toEqual([{ message: 'all of it\n', type: 'out', time: '2026-12-07T10:00:05.000Z' }]);
    expect(await readStepOutput({ blobs }, jobWith({}), 0, 0)).toEqual([]);
  });
});
