import { randomUUID } from 'node:crypto';
import { evaluateFilterExpression } from '../../config/filter-expression';
import type { Context, ContextRestriction, Pipeline, Project, Role, User } from '../../model/entities';
import { ConflictError, NotFoundError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';
import { authorize } from '../identity/auth';
import { maskValue } from './env-vars';
import { stableUuid } from '../identity/tokens';

type Deps = Pick<ControlPlaneDeps, 'contexts' | 'cipher' | 'clock' | 'identity'>;

/** The organisation (`gh/acme`) and its id from the API's owner parameters. */
export function ownerOf(owner: { id?: string; slug?: string }): { slug: string; id: string } {
  if (owner.slug) {
    const slug = owner.slug.replace(/^github\//, 'gh/').replace(/^bitbucket\//, 'bb/');
    if (!/^[a-z]+\/[A-Za-z0-9_.-]+$/.test(slug)) throw new ValidationError(`Invalid owner slug "${owner.slug}": expected <vcs>/<org>, for example gh/acme.`);
    const [vcs, org] = slug.split('/');
    return { slug, id: stableUuid('org', vcs, org) };
  }
  throw new ValidationError('Specify the owner of the context with owner-slug (for example gh/acme).');
}

export async function createContext(deps: Deps, user: User, input: { name: string; owner: { id?: string; slug?: string } }): Promise<Context> {
  const owner = ownerOf(input.owner);
  authorize(user, owner.slug, 'admin');
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(input.name))
    throw new ValidationError(`Invalid context name "${input.name}": use letters, digits, ".", "_" and "-" (at most 100).`);
  const context: Context = { id: randomUUID(), name: input.name, ownerSlug: owner.slug, ownerId: owner.id, createdAt: deps.clock.now().toISOString() };
  if (!(await deps.contexts.createContext(context))) throw new ConflictError(`A context named ${input.name} exists already in ${owner.slug}.`);
  return context;
}

/** Loads a context and checks the caller's role in its organisation. */
export async function contextFor(deps: Deps, user: User, id: string, role: Role): Promise<Context> {
  const context = await deps.contexts.getContext(id);
  if (!context) throw new NotFoundError('Context not found');
  authorize(user, context.ownerSlug, role);
  return context;
}

export async function putContextVariable(deps: Deps, context: Context, name: string, value: string) {
  const now = deps.clock.now().toISOString();
  const stored = await deps.contexts.putVariable({
    contextId: context.id,
    name,
    encryptedValue: await deps.cipher.encrypt(value),
    createdAt: now,
    updatedAt: now,
  });
  return { variable: stored.name, context_id: context.id, created_at: stored.createdAt, updated_at: stored.updatedAt, value: maskValue(value) };
}

export async function listContextVariables(deps: Deps, context: Context) {
  const vars = await deps.contexts.listVariables(context.id);
  return Promise.all(
    vars.map(async (v) => ({
      variable: v.name,
      context_id: context.id,
      created_at: v.createdAt,
      updated_at: v.updatedAt,
      value: maskValue(await deps.cipher.decrypt(v.encryptedValue)),
    })),
  );
}

export async function addRestriction(
  deps: Deps & Pick<ControlPlaneDeps, 'projects'>,
  context: Context,
  input: { type: string; value: string },
): Promise<ContextRestriction> {
  let name = input.value;
  if (input.type === 'project') {
    const project = (await deps.projects.listProjects()).find((p) => p.id === input.value);
    if (!project || project.organizationSlug !== context.ownerSlug)
      throw new ValidationError(`No project with id ${input.value} in ${context.ownerSlug}; give a project id of this organisation.`);
    name = project.name;
  } else if (input.type === 'expression') {
    try {
      evaluateFilterExpression(input.value, { 'pipeline.git.branch': '', 'pipeline.git.tag': '' });
    } catch (e) {
      throw new ValidationError(`Invalid restriction expression: ${(e as Error).message}`);
    }
  } else {
    throw new ValidationError(`Unknown restriction type "${input.type}": use project or expression.`);
  }
  const restriction: ContextRestriction = {
    id: randomUUID(),
    contextId: context.id,
    type: input.type as ContextRestriction['type'],
    value: input.value,
    name,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.contexts.putRestriction(restriction);
  return restriction;
}

/** Why the pipeline may not use the context, or `undefined` when it may. Restrictions of one type combine with OR, types with AND. */
async function denial(deps: Pick<ControlPlaneDeps, 'contexts'>, context: Context, project: Project, pipeline: Pipeline): Promise<string | undefined> {
  const restrictions = await deps.contexts.listRestrictions(context.id);
  const ofType = (t: ContextRestriction['type']) => restrictions.filter((r) => r.type === t);
  const projects = ofType('project');
  if (projects.length && !projects.some((r) => r.value === project.id)) return `context ${context.name} is restricted to other projects`;
  const expressions = ofType('expression');
  const values = { 'pipeline.git.branch': pipeline.vcs.branch ?? '', 'pipeline.git.tag': pipeline.vcs.tag ?? '' };
  const matches = (src: string) => {
    try {
      return evaluateFilterExpression(src, values);
    } catch {
      return false;
    }
  };
  if (expressions.length && !expressions.some((r) => matches(r.value)))
    return `context ${context.name} is restricted by an expression this pipeline does not match`;
  return undefined;
}

/**
 * The variables of the contexts a job names, decrypted, later contexts overriding earlier ones; or the reason
 * the pipeline may not use one of them (the job then ends `unauthorized`).
 */
export async function resolveContexts(
  deps: Deps,
  names: string[],
  project: Project,
  pipeline: Pipeline,
): Promise<{ ok: true; variables: Record<string, string> } | { ok: false; reason: string }> {
  const variables: Record<string, string> = {};
  for (const name of names) {
    const context = await deps.contexts.getContextByName(project.organizationSlug, name);
    if (!context) return { ok: false, reason: `Context ${name} does not exist in ${project.organizationSlug}. Create it or fix the job's context: key.` };
    const denied = await denial(deps, context, project, pipeline);
    if (denied) return { ok: false, reason: `Unauthorized: ${denied}.` };
    for (const v of await deps.contexts.listVariables(context.id)) variables[v.name] = await deps.cipher.decrypt(v.encryptedValue);
  }
  return { ok: true, variables };
}
