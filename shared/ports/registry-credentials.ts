/** One image registry login of a project, as a docker image's `auth` gives it (variables already expanded). */
export interface RegistryLogin {
  projectSlug: string;
  /** The registry host the image is pulled from (`docker.io`, `ghcr.io`, `registry.example.com:5000`). */
  registry: string;
  username: string;
  password: string;
}

/**
 * Where the compute that pulls a job's images (Fargate: the task execution role, through the task definition's
 * `repositoryCredentials`) finds a private registry's login: one secret per (project, registry, username).
 *
 * Semantics: `store` creates the secret or updates its value, and resolves the reference the compute takes (the
 * secret's ARN). Idempotent: storing the same login again changes nothing; concurrent stores of one login settle
 * on one secret. The password never leaves this port in the reference.
 */
export interface RegistryCredentialStore {
  store(login: RegistryLogin): Promise<string>;
}
