import { interpolate } from './interpolate';
import type { ExpandedJob } from './jobs';
import { bindArguments, readParameterDefinitions, RESERVED_JOB_PARAMETERS } from './parameters';
import type { JobType } from './plan';
import type { Problems } from './problems';
import type { Definition } from './scope';

/**
 * Job types that run no steps (CircleCI's configuration reference, "type"; the keys each one takes are those of
 * CircleCI's config schema). Any other key of such a job (`steps`, an executor) is accepted and left out, as
 * CircleCI does.
 *
 * | type       | keys kept                  | required    | what it does                                         |
 * |------------|----------------------------|-------------|------------------------------------------------------|
 * | `no-op`    | -                          | -           | succeeds once its requirements are met; no compute   |
 * | `approval` | -                          | -           | waits for a person to approve it                     |
 * | `release`  | `plan_name`, `validation`  | `plan_name` | names a deploys release plan; no compute             |
 * | `lock`     | `key`                      | `key`       | takes the serial group `key` (waits while it is held) |
 * | `unlock`   | `key`                      | `key`       | gives back the serial group `key` of its workflow     |
 */
export const MARKER_JOB_TYPES: Record<Exclude<JobType, 'build'>, { keys: string[]; required: string[] }> = {
  'no-op': { keys: [], required: [] },
  approval: { keys: [], required: [] },
  release: { keys: ['plan_name', 'validation'], required: ['plan_name'] },
  lock: { keys: ['key'], required: ['key'] },
  unlock: { keys: ['key'], required: ['key'] },
};

export const JOB_TYPES: readonly JobType[] = ['build', ...(Object.keys(MARKER_JOB_TYPES) as JobType[])];

/** The type a job definition declares (`build` when it has none); reports an unknown one. */
export function jobTypeOf(def: Definition, problems: Problems): JobType {
  const type = def.body.type;
  if (type === undefined) return 'build';
  if (typeof type === 'string' && JOB_TYPES.includes(type as JobType)) return type as JobType;
  problems.add(`Job "${def.qualified}" has an unknown \`type\` ${JSON.stringify(type)}.`, {
    node: def.body,
    key: 'type',
    hint: `Use one of ${JOB_TYPES.join(', ')} (default build).`,
  });
  return 'build';
}

/** Expands a job of a type that runs no steps: its arguments applied, only the keys its type takes kept. */
export function expandMarkerJob(
  type: Exclude<JobType, 'build'>,
  def: Definition,
  args: Record<string, unknown>,
  argsNode: unknown,
  problems: Problems,
): ExpandedJob {
  const owner = `job "${def.qualified}"`;
  const defs = readParameterDefinitions(def.body.parameters, owner, problems, RESERVED_JOB_PARAMETERS);
  const bound = bindArguments(defs, args, owner, problems, argsNode, RESERVED_JOB_PARAMETERS);
  const { keys, required } = MARKER_JOB_TYPES[type];
  const picked = Object.fromEntries(Object.entries(def.body).filter(([k]) => keys.includes(k)));
  const raw = interpolate(picked, { parameters: bound, owner }, problems, def.scope.map, ['parameters']) as Record<string, unknown>;
  for (const key of required) {
    const v = raw[key];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.add(`${owner} of type \`${type}\` needs \`${key}\` (a non-empty string).`, {
        node: def.body,
        key: key in def.body ? key : undefined,
        hint:
          type === 'release'
            ? 'Name the release plan a `circleci run release plan` step creates: `plan_name: my-service`.'
            : `Name the serial group: \`key: deploy-prod\`.`,
      });
    }
  }
  return { definition: def.qualified, body: { type, ...raw }, steps: [] };
}
