import { evaluateFilterExpression } from './filter-expression';
import type { BranchTagFilter, JobPlan, WorkflowPlan } from './plan';

/** Matches a filter pattern: `/regex/` must match the whole value; anything else is compared exactly. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    try {
      return new RegExp(`^(?:${pattern.slice(1, -1)})$`).test(value);
    } catch {
      return false;
    }
  }
  return pattern === value;
}

const list = (patterns: string[]): string => patterns.join(', ');

/** Why `filter` (at `filters.<kind>`) refuses `value`, or undefined when it lets it through. */
function refusal(kind: 'branches' | 'tags', filter: BranchTagFilter | undefined, value: string | undefined, defaultAllow: boolean): string | undefined {
  if (!filter || (filter.only === undefined && filter.ignore === undefined)) {
    return defaultAllow ? undefined : `tag ${value ?? ''} pushed and the job has no \`filters.tags\` (tag pushes run only jobs with a tags filter)`;
  }
  const what = kind === 'branches' ? 'branch' : 'tag';
  if (value === undefined) return `filters.${kind} set and this event has no ${what}`;
  if (filter.only !== undefined && !filter.only.some((p) => matchesPattern(p, value)))
    return `filters.${kind}.only: ${list(filter.only)} (${what} ${value} does not match)`;
  const ignored = filter.ignore?.find((p) => matchesPattern(p, value));
  if (ignored !== undefined) return `filters.${kind}.ignore: ${ignored} (${what} ${value} matches)`;
  return undefined;
}

/** Why a job's own filters keep it from running for this push, or undefined when they let it run. */
export function jobFilterReason(job: JobPlan, git: { branch?: string; tag?: string }): string | undefined {
  const f = job.filters;
  if (f?.expression !== undefined) {
    let ok: boolean;
    try {
      ok = evaluateFilterExpression(f.expression, { 'pipeline.git.branch': git.branch ?? '', 'pipeline.git.tag': git.tag ?? '' });
    } catch {
      ok = false;
    }
    if (!ok) return `filters: ${f.expression} is false`;
    if (!f.branches && !f.tags) return undefined;
  }
  if (git.tag !== undefined) return refusal('tags', f?.tags, git.tag, false);
  return refusal('branches', f?.branches, git.branch, true);
}

/** Whether a job's own filters let it run for this push (tag pushes need an explicit `tags` filter). */
export function jobAllowed(job: JobPlan, git: { branch?: string; tag?: string }): boolean {
  return jobFilterReason(job, git) === undefined;
}

export interface JobSelection {
  /** The jobs that run, with `requires` entries to removed jobs dropped. */
  jobs: JobPlan[];
  /** The jobs that do not run, each with the reason, in workflow order. */
  skipped: Array<{ job: string; reason: string }>;
}

/**
 * Selects the jobs of a workflow that run for a push of `git.branch` or `git.tag`, as CircleCI does, and says
 * why each other job does not: its own filters, or all its upstream jobs being filtered out.
 */
export function explainJobSelection(workflow: WorkflowPlan, git: { branch?: string; tag?: string }): JobSelection {
  const kept = new Map<string, JobPlan>();
  const removed = new Map<string, string>();
  const byName = new Map(workflow.jobs.map((j) => [j.name, j]));
  const decide = (job: JobPlan, seen: Set<string>): boolean => {
    if (kept.has(job.name)) return true;
    if (removed.has(job.name)) return false;
    if (seen.has(job.name)) return false;
    seen.add(job.name);
    let reason = jobFilterReason(job, git);
    if (reason === undefined && job.requires.length) {
      const live = job.requires.filter((r) => {
        const up = byName.get(r.job);
        return up !== undefined && decide(up, seen);
      });
      if (live.length === 0) reason = `required job${job.requires.length > 1 ? 's' : ''} ${job.requires.map((r) => r.job).join(', ')} filtered out`;
      else if (live.length !== job.requires.length) job = { ...job, requires: live };
    }
    if (reason === undefined) kept.set(job.name, job);
    else removed.set(job.name, reason);
    return reason === undefined;
  };
  for (const j of workflow.jobs) decide(j, new Set());
  return {
    jobs: workflow.jobs.filter((j) => kept.has(j.name)).map((j) => kept.get(j.name) as JobPlan),
    skipped: workflow.jobs.filter((j) => removed.has(j.name)).map((j) => ({ job: j.name, reason: removed.get(j.name) as string })),
  };
}

/**
 * The jobs of a workflow that run for a push of `git.branch` or `git.tag`, as CircleCI selects them: each job's
 * filters apply; a job whose upstream jobs were all filtered out does not run; `requires` entries that point at
 * jobs which do not run are dropped.
 */
export function selectJobs(workflow: WorkflowPlan, git: { branch?: string; tag?: string }): JobPlan[] {
  return explainJobSelection(workflow, git).jobs;
}

/**
 * The named jobs and, transitively, the jobs they require (all jobs when no names are given). With
 * `withoutUpstream`, only the named jobs, their `requires` dropped (a replay of one job).
 */
export function narrowJobs(jobs: JobPlan[], names: string[] | undefined, withoutUpstream = false): JobPlan[] {
  if (!names) return jobs;
  if (withoutUpstream) return jobs.filter((j) => names.includes(j.name)).map((j) => ({ ...j, requires: j.requires.filter((r) => names.includes(r.job)) }));
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const keep = new Set<string>();
  const visit = (name: string) => {
    const job = byName.get(name);
    if (!job || keep.has(name)) return;
    keep.add(name);
    for (const r of job.requires) visit(r.job);
  };
  names.forEach(visit);
  return jobs.filter((j) => keep.has(j.name));
}
