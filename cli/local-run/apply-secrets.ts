import { randomUUID } from 'node:crypto';
import type { PlanEvent } from '../../shared/config/explain-plan';
import type { Context, Project } from '../../shared/model/entities';
import { compileUserConfig } from '../../shared/services/pipelines/config-compile';
import { readConfigSource } from '../../shared/services/pipelines/config-source';
import { ownerOf, putContextVariable } from '../../shared/services/projects/contexts';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { putEnvVar } from '../../shared/services/projects/env-vars';
import type { LocalSecrets } from './secrets';
import type { RunView } from './view';

/**
 * The contexts the jobs of a revision's config name (compiled as the pipelines consumer compiles it), so their
 * secrets can be fetched before the run; a config that does not compile names none (the run reports why).
 */
export async function contextsNamed(deps: ControlPlaneDeps, project: Project, revision: string, event: PlanEvent): Promise<string[]> {
  const commit = await deps.repos.resolve(project, { branch: event.tag ? undefined : event.branch, tag: event.tag, revision });
  const read = await readConfigSource(deps.repos, project, commit.revision);
  if (!read.ok) return [];
  const compiled = await compileUserConfig(deps, read.source, { pipelineParameters: event.parameters ?? {} });
  if (!compiled.ok) return [];
  return [...new Set(compiled.plan.workflows.flatMap((w) => w.jobs.flatMap((j) => j.contexts)))].sort();
}

/**
 * Stores a local run's secrets in its runtime: project variables, and each context (created in the local
 * project's organisation when missing) with its variables. The agent masks every value in job output as it
 * masks a server's secrets. Names only are reported, never values.
 */
export async function applySecrets(deps: ControlPlaneDeps, project: Project, secrets: LocalSecrets, view: RunView): Promise<void> {
  for (const [name, value] of Object.entries(secrets.env)) await putEnvVar(deps, project.slug, name, value);
  const owner = ownerOf({ slug: project.organizationSlug });
  for (const [name, variables] of Object.entries(secrets.contexts)) {
    let context = await deps.contexts.getContextByName(owner.slug, name);
    if (!context) {
      const created: Context = { id: randomUUID(), name, ownerSlug: owner.slug, ownerId: owner.id, createdAt: deps.clock.now().toISOString() };
      await deps.contexts.createContext(created);
      context = (await deps.contexts.getContextByName(owner.slug, name)) ?? created;
    }
    for (const [variable, value] of Object.entries(variables)) await putContextVariable(deps, context, variable, value);
  }
  const names = Object.keys(secrets.env);
  const contexts = Object.entries(secrets.contexts).map(([c, vars]) => `${c} (${Object.keys(vars).join(', ') || 'no variables'})`);
  if (names.length || contexts.length)
    view.note(
      `Secrets (masked in output): ${[names.length ? `project ${names.join(', ')}` : '', contexts.length ? `contexts ${contexts.join('; ')}` : ''].filter(Boolean).join('; ')}`,
    );
}
