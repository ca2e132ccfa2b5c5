import type { Command } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiClient } from '../api-client';

/** Local paths become file:// URLs so the server (and agents) can fetch them from any working directory. */
export function normalizeRepoUrl(repo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^:]+:/.test(repo)) return repo;
  return pathToFileURL(isAbsolute(repo) ? repo : resolve(repo)).href;
}

export function registerProjectCommands(program: Command): void {
  const project = program.command('project').description('Manage projects');
  project
    .command('add <slug>')
    .description('Register a repository as a project, e.g. `slipway project add gh/acme/demo --repo ../demo`')
    .requiredOption('--repo <git-url>', 'repository URL (https, file://) or local path')
    .option('--default-branch <branch>', 'default branch', 'main')
    .action(async (slug: string, opts: { repo: string; defaultBranch: string }) => {
      const api = ApiClient.fromEnv();
      const p = await api.request<{ slug: string }>('POST', `/api/v2/project/${slug}`, { repo_url: normalizeRepoUrl(opts.repo), default_branch: opts.defaultBranch });
      process.stdout.write(`Project ${p.slug} added.\n`);
    });

  program
    .command('trigger <slug>')
    .description('Trigger a pipeline on a branch (default: the project default branch)')
    .option('--branch <branch>')
    .option('--tag <tag>')
    .option('--parameters <json>', 'pipeline parameters as JSON')
    .action(async (slug: string, opts: { branch?: string; tag?: string; parameters?: string }) => {
      const api = ApiClient.fromEnv();
      const parameters = opts.parameters ? JSON.parse(opts.parameters) : undefined;
      const p = await api.request<{ id: string; number: number }>('POST', `/api/v2/project/${slug}/pipeline`, { branch: opts.branch, tag: opts.tag, parameters });
      process.stdout.write(`Pipeline ${p.number} (${p.id}) created.\n`);
    });

  program
    .command('logs <slug> <job-number>')
    .description('Print the output of every step of a job')
    .action(async (slug: string, num: string) => {
      const api = ApiClient.fromEnv();
      const [vcs, org, repo] = slug.split('/');
      const job = await api.request<{ steps: Array<{ name: string; actions: Array<{ index: number; status: string; output_url: string }> }> }>(
        'GET',
        `/api/v1.1/project/${vcs}/${org}/${repo}/${num}`,
      );
      for (const step of job.steps) {
        for (const action of step.actions) {
          process.stdout.write(`\n== ${step.name}${job.steps.length && step.actions.length > 1 ? ` [${action.index}]` : ''} (${action.status})\n`);
          const out = await api.request<Array<{ message: string }>>('GET', action.output_url);
          for (const m of out) process.stdout.write(m.message);
        }
      }
    });
}
