import { parse } from 'yaml';
import type { User } from '../../model/entities';
import { orbKey, publishedOrbVersions } from '../../model/orb-registry';
import { ConflictError, ForbiddenError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const SEMVER = /^\d+\.\d+\.\d+$/;

/**
 * Publishes a packed orb to the private registry. Versions are immutable (a second publish of one version is
 * a 409), the source must be a YAML map of orb elements, and only instance admins or admins of the
 * namespace's organisation (`gh/<namespace>`) may publish.
 */
export async function publishOrb(
  deps: Pick<ControlPlaneDeps, 'blobs'>,
  user: User,
  input: { namespace: string; name: string; version: string; source: string },
): Promise<{ ref: string }> {
  const { namespace, name, version, source } = input;
  if (!NAME.test(namespace) || !NAME.test(name)) throw new ValidationError(`Invalid orb name ${namespace}/${name}: use letters, digits, - and _.`);
  if (!SEMVER.test(version)) throw new ValidationError(`Invalid orb version "${version}": publish a full semantic version such as 1.2.3.`);
  if (!user.admin && user.roles[`gh/${namespace}`] !== 'admin') {
    throw new ForbiddenError(`Publishing orbs in namespace ${namespace} needs the admin role in gh/${namespace}.`);
  }
  let doc: unknown;
  try {
    doc = parse(source, { maxAliasCount: 1000 });
  } catch (e) {
    throw new ValidationError(`The orb source is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ValidationError('The orb source must be a YAML map (a packed orb.yml).');
  const known = ['version', 'description', 'display', 'orbs', 'commands', 'executors', 'jobs', 'examples'];
  const unknown = Object.keys(doc).filter((k) => !known.includes(k));
  if (unknown.length) throw new ValidationError(`Unknown top-level keys in the orb: ${unknown.join(', ')}. Allowed: ${known.join(', ')}.`);
  const key = orbKey({ namespace, name, version });
  if (await deps.blobs.head(key)) throw new ConflictError(`Orb ${namespace}/${name}@${version} is published already; versions are immutable.`);
  await deps.blobs.put(key, source, { contentType: 'application/yaml' });
  return { ref: `${namespace}/${name}@${version}` };
}

export async function listOrbVersions(deps: Pick<ControlPlaneDeps, 'blobs'>, namespace: string, name: string) {
  return { items: (await publishedOrbVersions(deps.blobs, namespace, name)).map((version) => ({ orb: `${namespace}/${name}`, version })) };
}
