import type { Project, User } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import { authorize } from '../identity/auth';
import type { ControlPlaneDeps } from '../deps';

/** At most this many contexts are exported in one call. */
export const MAX_EXPORTED_CONTEXTS = 20;

/** A project's secrets as `slipway run --secrets-from` and `--replay --with-secrets` use them on a laptop. */
export interface ExportedSecrets {
  project_slug: string;
  environment: Array<{ name: string; value: string }>;
  contexts: Array<{ name: string; variables: Array<{ name: string; value: string }> }>;
}

/**
 * The values of a project's environment variables and of the named contexts of its organisation, for an
 * admin of the organisation only (`ForbiddenError` otherwise). An unknown context is a `NotFoundError` naming it.
 */
export async function exportSecrets(
  deps: Pick<ControlPlaneDeps, 'projects' | 'contexts' | 'cipher'>,
  user: User,
  project: Project,
  contextNames: string[],
): Promise<ExportedSecrets> {
  authorize(user, project.organizationSlug, 'admin');
  const names = [...new Set(contextNames)];
  if (names.length > MAX_EXPORTED_CONTEXTS)
    throw new ValidationError(`At most ${MAX_EXPORTED_CONTEXTS} contexts can be exported at once; ${names.length} were asked for.`);
  const contexts: ExportedSecrets['contexts'] = [];
  for (const name of names) {
    const context = await deps.contexts.getContextByName(project.organizationSlug, name);
    if (!context) throw new NotFoundError(`Context ${name} does not exist in ${project.organizationSlug}.`);
    const variables = await Promise.all(
      (await deps.contexts.listVariables(context.id)).map(async (v) => ({ name: v.name, value: await deps.cipher.decrypt(v.encryptedValue) })),
    );
    contexts.push({ name, variables });
  }
  const environment = await Promise.all(
    (await deps.projects.listEnvVars(project.slug)).map(async (v) => ({ name: v.name, value: await deps.cipher.decrypt(v.encryptedValue) })),
  );
  return { project_slug: project.slug, environment, contexts };
}
