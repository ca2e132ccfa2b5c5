import type { PipelineValues } from './plan';

/** Values used when a compilation is not tied to a real pipeline (validation, `config process`). */
export const defaultPipelineValues: PipelineValues = {
  id: '00000000-0000-0000-0000-000000000001',
  number: 1,
  git: { branch: 'main', revision: '0000000000000000000000000000000000000000', base_revision: '' },
  project: { git_url: 'https://github.com/example/project', type: 'github' },
  trigger_source: 'api',
};

/**
 * CircleCI's documented pipeline values (Project values and variables, "Pipeline values") beyond the core ones
 * {@link PipelineValues} names: what a pipeline does not carry reads as empty, as CircleCI documents for values
 * a trigger does not supply (`schedule.*` outside scheduled pipelines, `git.tag` on a branch, ...). Names under
 * `event.`, `trigger_parameters.` and `deploy.` that are not listed read as empty too (they depend on the event).
 */
export const DOCUMENTED_PIPELINE_VALUES: readonly string[] = [
  'definition.id',
  'name',
  'integration_source',
  'project.slug',
  'git.branch.is_default',
  'git.repo_url',
  'git.repo_owner',
  'git.repo_name',
  'git.repo_id',
  'git.commit.url',
  'git.commit.subject',
  'git.commit.body',
  'git.commit.author_login',
  'git.commit.author_name',
  'git.commit.author_email',
  'git.commit.author_avatar_url',
  'config.repository.name',
  'config.repository.url',
  'config.file_path',
  'config.ref',
  'config.sha',
  'trigger.received_at',
  'trigger.id',
  'trigger.type',
  'schedule.name',
  'schedule.id',
  'event.name',
  'event.action',
];

/** Documented names whose value depends on the event or integration: any name under these reads as empty when absent. */
export const OPEN_PIPELINE_VALUE_PREFIXES = /^(event|trigger_parameters|deploy)\./;

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
  return { ...v.more, ...out };
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
    git: {
      branch: str('git.branch', d.git.branch),
      tag: str('git.tag'),
      revision: str('git.revision', d.git.revision) as string,
      base_revision: str('git.base_revision', ''),
    },
    project: { git_url: str('project.git_url', d.project.git_url) as string, type: str('project.type', d.project.type) as string },
    trigger_source: str('trigger_source', d.trigger_source) as string,
  };
  if (out.git.tag !== undefined && get('git.branch') === undefined) delete out.git.branch;
  const name = str('schedule.name');
  if (name !== undefined) out.schedule = { name, id: str('schedule.id', '') as string };
  // Any other documented value given flat (`event.name`, `git.commit.subject`, ...) is taken as given.
  const more = Object.entries(input).filter(
    ([k, v]) =>
      (DOCUMENTED_PIPELINE_VALUES.includes(k) || OPEN_PIPELINE_VALUE_PREFIXES.test(k)) &&
      !k.startsWith('schedule.') &&
      ['string', 'number', 'boolean'].includes(typeof v),
  );
  if (more.length) out.more = Object.fromEntries(more) as Record<string, string | number | boolean>;
  return out;
}
