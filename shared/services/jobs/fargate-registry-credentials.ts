import type { DockerImage } from '../../config/plan';
import type { Job } from '../../model/entities';
import { findDockerResourceClass } from '../../model/resource-classes';
import type { ControlPlaneDeps } from '../deps';
import { expandAuthValue } from '../runners/registry-auth';
import { loadJobContext } from '../runners/runner-protocol';
import { buildJobEnvironment } from './job-environment';

/** The registry host of an image reference, as Docker reads it: `ghcr.io/a/b` → ghcr.io, `node:20` → docker.io. */
export function registryHostOf(image: string): string {
  const first = image.split('/')[0];
  return image.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
}

/**
 * The docker images of a job as Fargate pulls them: each image with `auth` gets its login stored (one secret per
 * project, registry and user; see `RegistryCredentialStore`) and referenced by `credentialsParameter`; `auth`
 * itself never goes further. The values' variables (`$DOCKER_PASS`) come from the job's project variables and
 * contexts, as CircleCI resolves them. Resolves `{ error }` naming what is wrong when a login cannot be made.
 */
export async function imagesWithStoredCredentials(deps: ControlPlaneDeps, job: Job, taskIndex: number): Promise<{ images: DockerImage[] } | { error: string }> {
  const images = job.plan.executor.images;
  const store = deps.registryCredentials;
  // Only Fargate's classes: a self-hosted runner's class (`namespace/name`) pulls with the agent's own login.
  const fargate = job.plan.executor.type === 'docker' && findDockerResourceClass(job.plan.executor.resourceClass) !== undefined;
  if (!store || !fargate || !images.some((i) => i.auth)) return { images };
  const { pipeline, workflow, project } = await loadJobContext(deps, job);
  const { environment } = await buildJobEnvironment(deps, { job, pipeline, workflow, project, taskIndex });
  const out: DockerImage[] = [];
  for (const { auth, ...image } of images) {
    if (!auth) {
      out.push(image);
      continue;
    }
    let login;
    try {
      const where = (key: string) => `auth.${key} of image ${image.image}`;
      login = {
        username: expandAuthValue(auth.username, environment, where('username')),
        password: expandAuthValue(auth.password, environment, where('password')),
      };
    } catch (e) {
      return { error: (e as Error).message };
    }
    const credentialsParameter = await store.store({ projectSlug: job.projectSlug, registry: registryHostOf(image.image), ...login });
    out.push({ ...image, credentialsParameter });
  }
  return { images: out };
}
