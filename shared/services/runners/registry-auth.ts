import type { DockerImage } from '../../config/plan';
import type { EcrCredentials, RegistryTokens } from '../../ports/registry-tokens';

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>`: the account and region of an Amazon ECR image. */
export function ecrRegistryOf(image: string): { account: string; region: string; host: string } | undefined {
  const m = /^((\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)\//.exec(image);
  return m ? { host: m[1], account: m[2], region: m[3] } : undefined;
}

/**
 * A value of an image's `auth`/`aws_auth` with its environment variables (`$NAME`, `${NAME}`) replaced from the
 * job's environment (project and context variables), as CircleCI does; throws naming a variable that is not set.
 */
export function expandAuthValue(value: string, env: Record<string, string>, where: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const v = env[name];
    if (v === undefined) throw new Error(`${where} uses $${name}, which is not set: add it as a project environment variable or in a context of the job.`);
    return v;
  });
}

/** The credentials an `aws_auth` map names: an access key pair, or `oidc_role_arn` with the job's OIDC token. */
function ecrCredentials(image: DockerImage, env: Record<string, string>, jobId: string): EcrCredentials {
  const a = image.awsAuth ?? {};
  const where = (key: string) => `aws_auth.${key} of image ${image.image}`;
  if (a.oidc_role_arn) {
    const webIdentityToken = env.CIRCLE_OIDC_TOKEN;
    if (!webIdentityToken)
      throw new Error(`aws_auth.oidc_role_arn of image ${image.image} needs the job's OIDC token (CIRCLE_OIDC_TOKEN), which this job has none of.`);
    return { roleArn: expandAuthValue(a.oidc_role_arn, env, where('oidc_role_arn')), webIdentityToken, roleSessionName: `slipway-${jobId.slice(0, 40)}` };
  }
  if (a.aws_access_key_id && a.aws_secret_access_key) {
    return {
      accessKeyId: expandAuthValue(a.aws_access_key_id, env, where('aws_access_key_id')),
      secretAccessKey: expandAuthValue(a.aws_secret_access_key, env, where('aws_secret_access_key')),
    };
  }
  throw new Error(`aws_auth of image ${image.image} needs aws_access_key_id and aws_secret_access_key, or oidc_role_arn.`);
}

/** One image with its registry login resolved: `auth` with literal values, or `authError` saying why there is none. */
async function resolveOne(image: DockerImage, env: Record<string, string>, tokens: RegistryTokens, jobId: string): Promise<DockerImage> {
  if (image.awsAuth) {
    const { awsAuth, ...rest } = image;
    const registry = ecrRegistryOf(image.image);
    if (!registry)
      return {
        ...rest,
        authError: `aws_auth is for Amazon ECR images (<account>.dkr.ecr.<region>.amazonaws.com/<repository>); ${image.image} is not one. Use auth (username, password) for other registries.`,
      };
    try {
      return { ...rest, auth: await tokens.ecrLogin({ region: registry.region, credentials: ecrCredentials({ ...image, awsAuth }, env, jobId) }) };
    } catch (e) {
      return { ...rest, authError: `Amazon ECR login for ${image.image} failed: ${(e as Error).message}` };
    }
  }
  if (!image.auth) return image;
  try {
    const where = (key: string) => `auth.${key} of image ${image.image}`;
    return {
      ...image,
      auth: { username: expandAuthValue(image.auth.username, env, where('username')), password: expandAuthValue(image.auth.password, env, where('password')) },
    };
  } catch (e) {
    const { auth: _auth, ...rest } = image;
    return { ...rest, authError: (e as Error).message };
  }
}

/**
 * The docker images of a job with the registry logins an agent that pulls them needs: `auth` values with their
 * variables expanded, and `aws_auth` turned into an ECR login (GetAuthorizationToken). Resolves the images and
 * the passwords to mask. A login that cannot be made is an image's `authError`, which the agent reports in
 * "Spin up environment" when it needs to pull that image.
 */
export async function resolveRegistryAuth(
  images: readonly DockerImage[],
  env: Record<string, string>,
  tokens: RegistryTokens,
  jobId: string,
): Promise<{ images: DockerImage[]; secrets: string[] }> {
  const resolved = await Promise.all(images.map((i) => resolveOne(i, env, tokens, jobId)));
  return { images: resolved, secrets: resolved.flatMap((i) => (i.auth?.password ? [i.auth.password] : [])) };
}
