import type { Project } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import type { JobSpec } from '../../model/job-spec';
import type { StoredSshKey } from '../../ports/ssh-key-store';
import type { ControlPlaneDeps } from '../deps';
import { describePrivateKey, generateEd25519KeyPair, privateKeySecrets } from './ssh-key-format';

type Deps = Pick<ControlPlaneDeps, 'sshKeys' | 'cipher' | 'clock'>;
export type Digest = 'md5' | 'sha256';

/** CircleCI's `fingerprint` parameter (decoded): MD5 hex pairs or `SHA256:<base64>`. */
const sameFingerprint = (k: StoredSshKey, fp: string) => {
  const want = fp.trim();
  return k.fingerprint === want.toLowerCase().replace(/^md5:/, '') || k.sha256Fingerprint === want || k.sha256Fingerprint === `SHA256:${want}`;
};

function parseDigest(digest: string | undefined): Digest {
  if (digest === undefined || digest === '' || digest === 'md5') return 'md5';
  if (digest === 'sha256') return 'sha256';
  throw new ValidationError(`digest must be md5 or sha256, not "${digest}".`);
}

/** The key checkout uses: the newest user key, else the newest deploy key (CircleCI prefers user keys). */
function preferredOf(keys: StoredSshKey[]): StoredSshKey | undefined {
  const newest = (type: StoredSshKey['type']) => keys.filter((k) => k.type === type).at(-1);
  return newest('github-user-key') ?? newest('deploy-key');
}

function apiCheckoutKey(k: StoredSshKey, preferred: StoredSshKey | undefined, digest: Digest) {
  return {
    'public-key': k.publicKey,
    type: k.type ?? 'deploy-key',
    fingerprint: digest === 'sha256' ? k.sha256Fingerprint : k.fingerprint,
    preferred: k === preferred,
    'created-at': k.createdAt,
  };
}

/** `POST /project/{slug}/checkout-key`: a new deploy key (Ed25519, generated here); its public key is returned. */
export async function createCheckoutKey(deps: Deps, project: Project, type: string) {
  if (type === 'user-key') {
    throw new ValidationError(
      'Slipway cannot create GitHub user keys (it holds no GitHub user authorisation). Create a deploy-key and add its public key to the repository as a deploy key.',
    );
  }
  if (type !== 'deploy-key') throw new ValidationError(`type must be deploy-key or user-key, not "${type}".`);
  const pair = generateEd25519KeyPair(`slipway-deploy-key ${project.slug}`);
  const key: StoredSshKey = {
    projectSlug: project.slug,
    kind: 'checkout',
    type: 'deploy-key',
    fingerprint: pair.fingerprint,
    sha256Fingerprint: pair.sha256Fingerprint,
    publicKey: pair.publicKey,
    encryptedPrivateKey: await deps.cipher.encrypt(pair.privateKey),
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.sshKeys.put(key);
  return apiCheckoutKey(key, key, 'md5');
}

export async function listCheckoutKeys(deps: Deps, slug: string, digest?: string) {
  const d = parseDigest(digest);
  const keys = await deps.sshKeys.list(slug, 'checkout');
  const preferred = preferredOf(keys);
  return { items: keys.map((k) => apiCheckoutKey(k, preferred, d)), next_page_token: null };
}

async function findCheckoutKey(deps: Deps, slug: string, fingerprint: string) {
  const keys = await deps.sshKeys.list(slug, 'checkout');
  const key = keys.find((k) => sameFingerprint(k, fingerprint));
  if (!key) throw new NotFoundError(`Checkout key ${fingerprint} not found in project ${slug}. List them with GET /api/v2/project/${slug}/checkout-key.`);
  return { key, keys };
}

export async function getCheckoutKey(deps: Deps, slug: string, fingerprint: string, digest?: string) {
  const { key, keys } = await findCheckoutKey(deps, slug, fingerprint);
  const d = digest ? parseDigest(digest) : fingerprint.startsWith('SHA256:') ? 'sha256' : 'md5';
  return apiCheckoutKey(key, preferredOf(keys), d);
}

export async function deleteCheckoutKey(deps: Deps, slug: string, fingerprint: string) {
  const { key } = await findCheckoutKey(deps, slug, fingerprint);
  await deps.sshKeys.delete(key);
  return { message: 'OK' };
}

const apiSshKey = (k: StoredSshKey) => ({
  hostname: k.hostname ?? '',
  fingerprint: k.fingerprint,
  sha256_fingerprint: k.sha256Fingerprint,
  created_at: k.createdAt,
});

/**
 * An additional SSH key (CircleCI v1.1 `POST /project/:vcs/:org/:repo/ssh-key`): validated, fingerprinted,
 * encrypted at rest. Only fingerprints are ever shown again. Adding the same key for the same host twice is a
 * no-op.
 */
export async function addSshKey(deps: Deps, project: Project, input: { hostname?: string; private_key: string }) {
  const hostname = (input.hostname ?? '').trim();
  if (hostname && !/^[A-Za-z0-9*?.:_[\]-]{1,255}$/.test(hostname))
    throw new ValidationError(`hostname "${hostname}" is not a host name or ssh_config pattern.`);
  const info = describePrivateKey(input.private_key);
  const key: StoredSshKey = {
    projectSlug: project.slug,
    kind: 'additional',
    hostname,
    fingerprint: info.fingerprint,
    sha256Fingerprint: info.sha256Fingerprint,
    publicKey: info.publicKey,
    encryptedPrivateKey: await deps.cipher.encrypt(`${input.private_key.trim()}\n`),
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.sshKeys.put(key);
  return apiSshKey(key);
}

/** The project's additional SSH keys, as fingerprints and host names only. */
export async function listSshKeys(deps: Deps, slug: string) {
  return (await deps.sshKeys.list(slug, 'additional')).map(apiSshKey);
}

export async function deleteSshKey(deps: Deps, slug: string, input: { fingerprint: string; hostname?: string }) {
  const keys = (await deps.sshKeys.list(slug, 'additional')).filter(
    (k) => sameFingerprint(k, input.fingerprint) && (input.hostname === undefined || (k.hostname ?? '') === input.hostname),
  );
  if (!keys.length)
    throw new NotFoundError(`No SSH key with fingerprint ${input.fingerprint}${input.hostname ? ` for ${input.hostname}` : ''} in project ${slug}.`);
  for (const k of keys) await deps.sshKeys.delete(k);
  return { message: 'OK' };
}

/**
 * What a job gets: every additional key (for `add_ssh_keys`) and the preferred checkout key, decrypted, plus
 * the values to mask in its output. Nothing when the project has no keys.
 */
export async function jobSshKeys(
  deps: Pick<ControlPlaneDeps, 'sshKeys' | 'cipher'>,
  slug: string,
): Promise<{ sshKeys?: JobSpec['sshKeys']; checkoutKey?: JobSpec['checkout']['sshKey']; secrets: string[] }> {
  const [additional, checkout] = await Promise.all([deps.sshKeys.list(slug, 'additional'), deps.sshKeys.list(slug, 'checkout')]);
  const preferred = preferredOf(checkout);
  const secrets: string[] = [];
  const open = async (k: StoredSshKey) => {
    const privateKey = await deps.cipher.decrypt(k.encryptedPrivateKey);
    secrets.push(...privateKeySecrets(privateKey));
    return privateKey;
  };
  const sshKeys = await Promise.all(
    additional.map(async (k) => ({ fingerprint: k.fingerprint, privateKey: await open(k), ...(k.hostname ? { hostname: k.hostname } : {}) })),
  );
  const checkoutKey = preferred ? { fingerprint: preferred.fingerprint, privateKey: await open(preferred) } : undefined;
  return { sshKeys: sshKeys.length ? sshKeys : undefined, checkoutKey, secrets };
}
