/** Status vocabulary shared by pipelines, workflows, jobs and steps. */

const TERMINAL = new Set(['success', 'failed', 'canceled', 'not_run', 'error', 'infrastructure_fail', 'timedout', 'unauthorized', 'skipped', 'errored']);

export const isTerminal = (status: string | undefined) => status !== undefined && TERMINAL.has(status);

export type Tone = 'success' | 'failed' | 'running' | 'hold' | 'idle' | 'canceled';

export function tone(status: string | undefined): Tone {
  switch (status) {
    case 'success':
      return 'success';
    case 'failed':
    case 'failing':
    case 'error':
    case 'errored':
    case 'infrastructure_fail':
    case 'timedout':
    case 'unauthorized':
      return 'failed';
    case 'running':
      return 'running';
    case 'on_hold':
      return 'hold';
    case 'canceled':
      return 'canceled';
    default:
      return 'idle';
  }
}

const LABELS: Record<string, string> = {
  loading: '…',
  on_hold: 'On hold',
  not_run: 'Not run',
  infrastructure_fail: 'Infrastructure fail',
  timedout: 'Timed out',
  not_running: 'Not running',
};

export const statusLabel = (status: string | undefined) => (status ? (LABELS[status] ?? status.charAt(0).toUpperCase() + status.slice(1)) : 'Unknown');

/** The status a pipeline shows in lists: its workflows' worst-first status, or its own state. */
export function pipelineStatus(state: string, workflowStatuses: string[] | undefined): string {
  if (state === 'errored') return 'errored';
  if (!workflowStatuses) return state === 'created' ? 'loading' : state;
  if (workflowStatuses.length === 0) return state === 'created' ? 'not_run' : state;
  for (const s of ['failed', 'error', 'failing', 'running', 'on_hold', 'canceled', 'unauthorized']) if (workflowStatuses.includes(s)) return s;
  return workflowStatuses.every((s) => s === 'success') ? 'success' : workflowStatuses[0];
}
