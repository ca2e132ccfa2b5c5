import { checkedApi, SpecViolationError } from '../openapi/checked-api';
import { waitFor, type DevServer } from '../support/dev-server';

/** `waitFor`, except that a spec violation fails at once (waitFor would retry it until the timeout). */
export async function poll<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  let violation: unknown;
  const result = await waitFor(
    async () => {
      try {
        return await check();
      } catch (e) {
        if (!(e instanceof SpecViolationError)) throw e;
        violation = e;
        return null as T;
      }
    },
    what,
    timeoutMs,
  );
  if (violation) throw violation;
  return result;
}

/** One docker job that prints `ok`: the smallest project the route and spec walks trigger pipelines of. */
export const ONE_JOB_CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo ok }]
workflows:
  main: { jobs: [build] }
`;

export const TERMINAL_WORKFLOW = ['success', 'failed', 'canceled', 'error', 'not_run'];

/** The first workflow of a pipeline once it satisfies `done` (default: terminal), with its jobs by name. */
export async function workflowOf(
  server: DevServer,
  pipelineId: string,
  done: (wf: any, jobs: Record<string, any>) => boolean = (wf) => TERMINAL_WORKFLOW.includes(wf.status),
  what = 'workflow to finish',
) {
  const api = checkedApi(server);
  return poll(async () => {
    const wfs = await api('GET', `/api/v2/pipeline/${pipelineId}/workflow`);
    const wf = wfs.body.items?.[0];
    if (!wf) return undefined;
    const jobs = await jobsOf(server, wf.id);
    return done(wf, jobs) ? { workflow: wf, jobs } : undefined;
  }, `${what} (pipeline ${pipelineId})`);
}

export async function jobsOf(server: DevServer, workflowId: string): Promise<Record<string, any>> {
  const res = await checkedApi(server)('GET', `/api/v2/workflow/${workflowId}/job`);
  return Object.fromEntries(res.body.items.map((j: any) => [j.name, j]));
}

/** Everything a job printed, through the v1.1 job detail's `output_url`s. */
export async function jobOutput(server: DevServer, slug: string, jobNumber: number): Promise<string> {
  const [vcs, org, repo] = slug.split('/');
  const detail = await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${jobNumber}`);
  let text = '';
  for (const step of detail.body.steps) {
    for (const action of step.actions) {
      const messages = (await (await fetch(action.output_url)).json()) as Array<{ message: string }>;
      text += messages.map((m) => m.message).join('');
    }
  }
  return text;
}
