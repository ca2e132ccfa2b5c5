import type { RequiredStatus, RequiresEntry } from './plan';
import type { Problems } from './problems';
import { suggestion } from './suggest';
import type { PendingWorkflowJob } from './workflows';

const STATUSES: readonly RequiredStatus[] = ['success', 'failed', 'canceled', 'not_run', 'unauthorized', 'timedout', 'infrastructure_fail'];
const TERMINAL: RequiredStatus[] = ['success', 'failed', 'canceled', 'not_run'];
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function readStatuses(v: unknown, problems: Problems, node: unknown, key: string): RequiredStatus[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  const out: RequiredStatus[] = [];
  for (const s of list) {
    if (s === 'terminal') out.push(...TERMINAL);
    else if (typeof s === 'string' && (STATUSES as readonly string[]).includes(s)) out.push(s as RequiredStatus);
    else {
      problems.add(`Unknown job status ${JSON.stringify(s)} in requires.`, { node, key, hint: `Use one of ${[...STATUSES, 'terminal'].join(', ')}.` });
      return undefined;
    }
  }
  return [...new Set(out)];
}

/** Resolves `requires` to final job names (matrix aliases and auto-suffixed names fan out) and rejects cycles. */
export function resolveRequires(pending: PendingWorkflowJob[], wfName: string, problems: Problems): void {
  const targets = new Map<string, string[]>();
  for (const p of pending) targets.set(p.job.name, [p.job.name]);
  for (const p of pending) {
    for (const a of p.aliases) {
      if (pending.some((q) => q.job.name === a)) continue;
      const names = targets.get(a) ?? [];
      if (!names.includes(p.job.name)) targets.set(a, [...names, p.job.name]);
    }
  }
  for (const p of pending) {
    const raw = p.rawRequires;
    if (raw === undefined || raw === null) continue;
    const list = Array.isArray(raw) ? raw : [raw];
    const entries: RequiresEntry[] = [];
    list.forEach((item, i) => {
      const pairs: Array<[string, RequiredStatus[] | undefined]> = [];
      if (typeof item === 'string') pairs.push([item, ['success']]);
      else if (isMap(item)) for (const [k, v] of Object.entries(item)) pairs.push([k, readStatuses(v, problems, item, k)]);
      else problems.add(`Invalid requires entry in job "${p.job.name}".`, { node: raw, key: i });
      for (const [target, statuses] of pairs) {
        if (!statuses) continue;
        const names = targets.get(target);
        if (!names) {
          problems.add(`Job "${p.job.name}" in workflow "${wfName}" requires "${target}", which is not in the workflow.`, {
            node: Array.isArray(raw) ? raw : p.node,
            key: Array.isArray(raw) ? i : 'requires',
            hint: suggestion(target, [...targets.keys()], 'jobs in this workflow'),
          });
          continue;
        }
        for (const n of names) if (n !== p.job.name && !entries.some((e) => e.job === n)) entries.push({ job: n, statuses });
      }
    });
    p.job.requires = entries;
  }
  findCycle(pending, wfName, problems);
}

function findCycle(pending: PendingWorkflowJob[], wfName: string, problems: Problems): void {
  const byName = new Map(pending.map((p) => [p.job.name, p]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): boolean => {
    if (state.get(n) === 2) return false;
    if (state.get(n) === 1) {
      const cycle = [...stack.slice(stack.indexOf(n)), n];
      const p = byName.get(n);
      problems.add(`Cycle in requires of workflow "${wfName}": ${cycle.join(' -> ')}.`, {
        node: p?.node,
        key: 'requires',
        hint: 'Remove one of these requires so jobs can start.',
      });
      return true;
    }
    state.set(n, 1);
    stack.push(n);
    for (const r of byName.get(n)?.job.requires ?? []) if (visit(r.job)) return true;
    stack.pop();
    state.set(n, 2);
    return false;
  };
  for (const p of pending) if (visit(p.job.name)) return;
}
