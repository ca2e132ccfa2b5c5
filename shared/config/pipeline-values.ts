import type { PipelineValues } from './plan';

/** Values used when a compilation is not tied to a real pipeline (validation, `config process`). */
export const defaultPipelineValues: PipelineValues = {
  id: '00000000-0000-0000-0000-000000000001',
  number: 1,
  git: { branch: 'main', revision: '0000000000000000000000000000000000000000', base_revision: '' },
  project: { git_url: 'https://github.com/example/project', type: 'github' },
  trigger_source: 'api',
};

/** Flattens pipeline values to the names `<< pipeline.x >>` uses (`git.branch`, `project.type`, ...). */
export function flattenPipelineValues(v: PipelineValues): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: v.id,
    number: v.number,
    'git.branch': v.git.branch ?? '',
    'git.tag': v.git.tag ?? '',
    'git.revision': v.git.revision,
    'git.base_revision': v.git.base_revision ?? '',
    'project.git_url': v.project.git_url,
    'project.type': v.project.type,
    trigger_source: v.trigger_source,
  };
  if (v.schedule) {
    out['schedule.name'] = v.schedule.name;
    out['schedule.id'] = v.schedule.id;
  }
  return out;
}

/** Reads pipeline values given flat (`git.branch`, as the `circleci` CLI sends them) or nested. */
export function pipelineValuesFrom(input: Record<string, unknown> | undefined): PipelineValues {
  const d = defaultPipelineValues;
  if (!input) return d;
  const get = (flat: string): unknown => {
    if (flat in input) return input[flat];
    let cur: unknown = input;
    for (const part of flat.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    return cur;
  };
  const str = (flat: string, fallback?: string): string | undefined => {
    const v = get(flat);
    return v === undefined || v === null ? fallback : String(v);
  };
  const out: PipelineValues = {
    id: str('id', d.id) as string,
    number: Number(get('number') ?? d.number),
    git: { branch: str('git.branch', d.git.branch), tag: str('git.tag'), revision: str('git.revision', d.git.revision) as string, base_revision: str('git.base_revision', '') },
    project: { git_url: str('project.git_url', d.project.git_url) as string, type: str('project.type', d.project.type) as string },
    trigger_source: str('trigger_source', d.trigger_source) as string,
  };
  if (out.git.tag !== undefined && get('git.branch') === undefined) delete out.git.branch;
  return out;
}
