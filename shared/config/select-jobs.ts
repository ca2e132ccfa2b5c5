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

function allows(filter: BranchTagFilter | undefined, value: string | undefined, defaultAllow: boolean): boolean {
  if (!filter || (filter.only === undefined && filter.ignore === undefined)) return defaultAllow;
  if (value === undefined) return false;
  if (filter.only !== undefined && !filter.only.some((p) => matchesPattern(p, value))) return false;
  if (filter.ignore !== undefined && filter.ignore.some((p) => matchesPattern(p, value))) return false;
  return true;
}

/** Whether a job's own filters let it run for this push (tag pushes need an explicit `tags` filter). */
export function jobAllowed(job: JobPlan, git: { branch?: string; tag?: string }): boolean {
  const f = job.filters;
  if (f?.expression !== undefined) {
    try {
      if (!evaluateFilterExpression(f.expression, { 'pipeline.git.branch': git.branch ?? '', 'pipeline.git.tag': git.tag ?? '' })) return false;
    } catch {
      return false;
    }
    if (!f.branches && !f.tags) return true;
  }
  if (git.tag !== undefined) return allows(f?.tags, git.tag, false);
  return allows(f?.branches, git.branch, true);
}

/**
 * The jobs of a workflow that run for a push of `git.branch` or `git.tag`, as CircleCI selects them: each job's
 * filters apply; a job whose upstream jobs were all filtered out does not run; `requires` entries that point at
 * jobs which do not run are dropped.
 */
export function selectJobs(workflow: WorkflowPlan, git: { branch?: string; tag?: string }): JobPlan[] {
  const kept = new Map<string, JobPlan>();
  const removed = new Set<string>();
  const byName = new Map(workflow.jobs.map((j) => [j.name, j]));
  const decide = (job: JobPlan, seen: Set<string>): boolean => {
    if (kept.has(job.name)) return true;
    if (removed.has(job.name)) return false;
    if (seen.has(job.name)) return false;
    seen.add(job.name);
    let ok = jobAllowed(job, git);
    if (ok && job.requires.length) {
      const live = job.requires.filter((r) => {
        const up = byName.get(r.job);
        return up !== undefined && decide(up, seen);
      });
      if (live.length === 0) ok = false;
      else if (live.length !== job.requires.length) job = { ...job, requires: live };
    }
    if (ok) kept.set(job.name, job);
    else removed.add(job.name);
    return ok;
  };
  for (const j of workflow.jobs) decide(j, new Set());
  return workflow.jobs.filter((j) => kept.has(j.name)).map((j) => kept.get(j.name) as JobPlan);
}
