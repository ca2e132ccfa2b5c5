import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
    .option('--watch', 'install a post-receive hook in the local repository: every `git push` to it starts a pipeline')
    .action(async (slug: string, opts: { repo: string; defaultBranch: string; watch?: boolean }) => {
      const api = ApiClient.fromEnv();
      try {
        const p = await api.request<{ slug: string }>('POST', `/api/v2/project/${slug}`, {
          repo_url: normalizeRepoUrl(opts.repo),
          default_branch: opts.defaultBranch,
        });
        process.stdout.write(`Project ${p.slug} added.\n`);
      } catch (e) {
        if (!opts.watch || !/HTTP 409/.test((e as Error).message)) throw e;
        process.stdout.write(`Project ${slug} exists already.\n`);
      }
      if (opts.watch) {
        const hook = installPushHook({ repo: opts.repo, slug, url: api.baseUrl, token: apiToken() });
        process.stdout.write(`Watching ${opts.repo}: pushes to it start pipelines (hook ${hook}).\n`);
      }
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
      const p = await api.request<{ id: string; number: number }>('POST', `/api/v2/project/${slug}/pipeline`, {
        branch: opts.branch,
        tag: opts.tag,
        parameters,
      });
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

const MARKER = 'slipway-watch';

/** The API token the CLI uses (SLIPWAY_TOKEN, else the one `slipway dev` stored in ./.slipway). */
export function apiToken(env: NodeJS.ProcessEnv = process.env): string {
  const stored = join(process.cwd(), '.slipway', 'admin-token');
  const token = env.SLIPWAY_TOKEN ?? (existsSync(stored) ? readFileSync(stored, 'utf8').trim() : '');
  if (!token) throw new Error('Set SLIPWAY_TOKEN to your API token (`slipway dev` prints one).');
  return token;
}

/**
 * The `post-receive` hook: reports every updated ref (with the new head commit's message) to the project's
 * push endpoint, which applies GitHub's push semantics, and prints what it started to the pusher.
 */
function hookScript(slug: string): string {
  return `#!${process.execPath}
// ${MARKER}: installed by \`slipway project add ${slug} --watch\`. Pushes start Slipway pipelines.
// Settings (URL, token) are in slipway-watch.json in the git directory (mode 0600).
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const gitDir = path.resolve(process.env.GIT_DIR || '.');
const cfg = JSON.parse(readFileSync(path.join(gitDir, 'slipway-watch.json'), 'utf8'));
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', async () => {
  const updates = input.split('\\n').filter(Boolean).map((line) => {
    const [before, after, ref] = line.trim().split(' ');
    let message;
    if (!/^0+$/.test(after)) {
      try { message = execFileSync('git', ['log', '-1', '--format=%B', after], { encoding: 'utf8' }); } catch { message = undefined; }
    }
    return { ref, before, after, message };
  });
  if (!updates.length) return;
  try {
    const res = await fetch(cfg.url + '/api/v2/project/' + cfg.slug + '/push', {
      method: 'POST',
      headers: { 'Circle-Token': cfg.token, 'content-type': 'application/json' },
      body: JSON.stringify({ updates }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return console.error('slipway: HTTP ' + res.status + ': ' + (body.message || 'push not accepted'));
    for (const i of body.items) {
      console.log(i.pipeline ? 'slipway: ' + i.ref + ': pipeline ' + i.pipeline.number + ' started' : 'slipway: ' + i.ref + ': not built: ' + i.skipped);
    }
  } catch (e) {
    console.error('slipway: could not reach ' + cfg.url + ' (' + e.message + '); is slipway dev running?');
  }
});
`;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

/**
 * Installs the push hook in a local repository (bare or not): `hooks/post-receive` (executable) and the
 * settings file `slipway-watch.json` (0600, it holds the API token) in its git directory. Replaces a hook
 * it installed before; refuses to overwrite anyone else's. Resolves the hook's path.
 */
export function installPushHook(options: { repo: string; slug: string; url: string; token: string }): string {
  const dir = /^file:/i.test(options.repo) ? fileURLToPath(options.repo) : resolve(options.repo);
  if (!existsSync(dir)) throw new Error(`--watch needs a local repository; ${options.repo} does not exist.`);
  let gitDir: string;
  let hooks: string;
  try {
    gitDir = git(dir, 'rev-parse', '--absolute-git-dir');
    const h = git(dir, 'rev-parse', '--git-path', 'hooks');
    hooks = isAbsolute(h) ? h : resolve(dir, h);
  } catch {
    throw new Error(`--watch needs a local git repository; ${dir} is not one.`);
  }
  const hook = join(hooks, 'post-receive');
  if (existsSync(hook) && !readFileSync(hook, 'utf8').includes(MARKER)) {
    throw new Error(`${hook} exists and was not installed by Slipway. Remove it (or merge it by hand) and run again.`);
  }
  const settings = join(gitDir, 'slipway-watch.json');
  writeFileSync(settings, `${JSON.stringify({ url: options.url, token: options.token, slug: options.slug })}\n`, { mode: 0o600 });
  chmodSync(settings, 0o600);
  mkdirSync(hooks, { recursive: true });
  writeFileSync(hook, hookScript(options.slug), { mode: 0o755 });
  chmodSync(hook, 0o755);
  return hook;
}
