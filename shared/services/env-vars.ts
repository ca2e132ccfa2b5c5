import { NotFoundError } from '../model/errors';
import type { ControlPlaneDeps } from './deps';

/** CircleCI's masking: `xxxx` followed by the last four characters (fewer for short values). */
export function maskValue(value: string): string {
  return `xxxx${value.length >= 4 ? value.slice(-4) : ''}`;
}

export async function putEnvVar(deps: Pick<ControlPlaneDeps, 'projects' | 'cipher' | 'clock'>, slug: string, name: string, value: string) {
  const createdAt = deps.clock.now().toISOString();
  await deps.projects.putEnvVar(slug, { name, encryptedValue: await deps.cipher.encrypt(value), createdAt });
  return { name, value: maskValue(value), created_at: createdAt };
}

export async function listEnvVars(deps: Pick<ControlPlaneDeps, 'projects' | 'cipher'>, slug: string) {
  const vars = await deps.projects.listEnvVars(slug);
  return Promise.all(vars.map(async (v) => ({ name: v.name, value: maskValue(await deps.cipher.decrypt(v.encryptedValue)), created_at: v.createdAt })));
}

export async function deleteEnvVar(deps: Pick<ControlPlaneDeps, 'projects'>, slug: string, name: string): Promise<void> {
  if (!(await deps.projects.deleteEnvVar(slug, name))) throw new NotFoundError(`Environment variable ${name} not found`);
}
