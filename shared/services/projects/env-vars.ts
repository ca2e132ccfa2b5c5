import { NotFoundError } from '../../model/errors';
import type { StoredEnvVar } from '../../ports/project-store';
import type { ControlPlaneDeps } from '../deps';

/** CircleCI's masking: `xxxx` followed by the last four characters (fewer for short values). */
export function maskValue(value: string): string {
  return `xxxx${value.length >= 4 ? value.slice(-4) : ''}`;
}

export async function putEnvVar(deps: Pick<ControlPlaneDeps, 'projects' | 'cipher' | 'clock'>, slug: string, name: string, value: string) {
  const createdAt = deps.clock.now().toISOString();
  await deps.projects.putEnvVar(slug, { name, encryptedValue: await deps.cipher.encrypt(value), createdAt });
  return { name, value: maskValue(value), created_at: createdAt };
}

const masked = async (deps: Pick<ControlPlaneDeps, 'cipher'>, v: StoredEnvVar) => ({
  name: v.name,
  value: maskValue(await deps.cipher.decrypt(v.encryptedValue)),
  created_at: v.createdAt,
});

export async function listEnvVars(deps: Pick<ControlPlaneDeps, 'projects' | 'cipher'>, slug: string) {
  const vars = await deps.projects.listEnvVars(slug);
  return Promise.all(vars.map((v) => masked(deps, v)));
}

/** One variable, masked as in the list; 404 naming the variable when the project has none of that name. */
export async function getEnvVar(deps: Pick<ControlPlaneDeps, 'projects' | 'cipher'>, slug: string, name: string) {
  const found = (await deps.projects.listEnvVars(slug)).find((v) => v.name === name);
  if (!found) throw new NotFoundError(`Environment variable ${name} not found in project ${slug}. List them with GET /api/v2/project/${slug}/envvar.`);
  return masked(deps, found);
}

export async function deleteEnvVar(deps: Pick<ControlPlaneDeps, 'projects'>, slug: string, name: string): Promise<void> {
  if (!(await deps.projects.deleteEnvVar(slug, name))) throw new NotFoundError(`Environment variable ${name} not found`);
}
