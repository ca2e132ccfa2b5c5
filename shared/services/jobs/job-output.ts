import type { Job } from '../../model/entities';
import type { ControlPlaneDeps } from '../deps';
import { logPrefix } from '../runners/runner-protocol';

export interface OutputMessage {
  message: string;
  type: 'out' | 'err';
  time: string;
}

/**
 * A step's output as CircleCI's v1.1 `output_url` serves it: a JSON array of `{message, type, time}`, one
 * entry per uploaded chunk, in order, or a single entry when the agent sent the (small) output with the step's
 * final report. Reads the task's current attempt; a running step returns what has arrived so far (so a UI can
 * tail it): its chunks, or before the first, the output so far its agent sent with its report (a preview).
 */
export async function readStepOutput(deps: Pick<ControlPlaneDeps, 'blobs'>, job: Job, taskIndex: number, step: number): Promise<OutputMessage[]> {
  const task = job.tasks[taskIndex];
  const action = task?.steps.find((s) => s.index === step)?.actions.find((a) => a.index === taskIndex);
  if (action?.output !== undefined && action.status !== 'running') return [{ message: action.output, type: 'out', time: action.stoppedAt ?? action.startedAt }];
  const attempt = task?.attempt ?? 0;
  const chunks = await deps.blobs.list(logPrefix(job.id, taskIndex, attempt, step));
  // A running step none of whose output is uploaded yet: its output so far, as its agent last reported it.
  if (!chunks.length && action?.output !== undefined) return [{ message: action.output, type: 'out', time: action.startedAt }];
  const bodies = await Promise.all(chunks.map((c) => deps.blobs.get(c.key)));
  return chunks.map((c, i) => ({ message: (bodies[i] ?? Buffer.alloc(0)).toString('utf8'), type: 'out' as const, time: c.lastModified.toISOString() }));
}
