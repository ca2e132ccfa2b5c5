import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckoutStep } from '../../shared/config/plan';
import { localRepositoryPath } from '../../shared/model/repository-url';
import { resolvePath, type StepHandler } from './context';

function git(args: string[], cwd: string, env: Record<string, string>, onOutput: (s: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd, env: { ...env, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 256 * 1024 * 1024 }, (err) => {
      resolve(err ? ((err as { code?: number }).code as number) || 1 : 0);
    });
    child.stdout?.on('data', (d) => onOutput(String(d)));
    child.stderr?.on('data', (d) => onOutput(String(d)));
  });
}

/** `git@host:path` or `ssh://...`: remotes reached over SSH. */
export const isSshRemote = (url: string) => /^ssh:\/\//.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);

/**
 * The global git configuration of a checkout: the job's own (`~/.gitconfig`) plus `safe.directory` for the
 * folders git must read although another user owns them: the checkout's folder (with the docker executor it
 * belongs to the primary image's user, the agent being root) and a repository on this machine (the host's,
 * read by the Fargate sidecar as the primary image's user). Only a global `safe.directory` reaches the
 * `upload-pack` git starts for a local repository.
 */
function trustingGitConfig(dirs: string[], home: string, scratch: string): string {
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, 'checkout.gitconfig');
  const quoted = (p: string) => `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const safe = dirs
    .flatMap((d) => [d, join(d, '.git')])
    .map((d) => `\tdirectory = ${quoted(d)}\n`)
    .join('');
  writeFileSync(file, `[include]\n\tpath = ${quoted(join(home, '.gitconfig'))}\n[safe]\n${safe}`);
  return file;
}

/**
 * `checkout`: the pipeline's revision into `path` (default: the working directory), with the credentials
 * the job spec carries (sent as an HTTP header, never written into the remote URL or to disk), or over SSH with
 * the project's checkout key.
 */
export const checkoutStep: StepHandler<CheckoutStep> = async (step, ctx) => {
  const dir = step.path ? resolvePath(step.path, ctx) : ctx.workingDirectory;
  mkdirSync(dir, { recursive: true });
  const { url, revision, branch, tag, username, password } = ctx.spec.checkout;
  const out = (s: string) => ctx.log.write(s);
  const auth: string[] = password
    ? ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`${username ?? 'x-access-token'}:${password}`).toString('base64')}`]
    : [];
  ctx.log.note(`Cloning ${url} into ${dir} at ${revision.slice(0, 12)}${branch ? ` (branch ${branch})` : tag ? ` (tag ${tag})` : ''}`);
  const env: Record<string, string> = { ...ctx.env, HOME: ctx.home };
  const local = localRepositoryPath(url);
  if (local) {
    try {
      accessSync(join(local, '.git'), constants.R_OK | constants.X_OK);
    } catch {
      try {
        accessSync(local, constants.R_OK | constants.X_OK);
      } catch {
        ctx.log.note(
          `The repository folder ${local} cannot be read by the user the checkout runs as (uid ${process.getuid?.() ?? '?'}, the primary image's user in a container): make it and its parent folders readable (chmod o+rx), or run the primary image as root.`,
        );
        return { status: 'failed', exitCode: 1 };
      }
    }
  }
  env.GIT_CONFIG_GLOBAL = trustingGitConfig(local ? [dir, local] : [dir], ctx.home, ctx.scratch);
  const key = ctx.spec.checkout.sshKey;
  if (key && isSshRemote(url)) {
    // The project's checkout key (CircleCI writes it to ~/.ssh/id_rsa); only git's ssh uses it.
    const sshDir = join(ctx.home, '.ssh');
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    const file = join(sshDir, 'id_rsa');
    writeFileSync(file, key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`, { mode: 0o600 });
    env.GIT_SSH_COMMAND = `ssh -i '${file}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new`;
    ctx.log.note(`Using checkout key ${key.fingerprint}`);
  }
  const fresh = readdirSync(dir).length === 0;
  if (fresh) {
    if ((await git([...auth, 'init', '--quiet', '.'], dir, env, out)) !== 0) return { status: 'failed', exitCode: 1 };
    await git(['remote', 'add', 'origin', url], dir, env, out);
  }
  const refspecs = ['+refs/heads/*:refs/remotes/origin/*', ...(tag ? [`+refs/tags/${tag}:refs/tags/${tag}`] : [])];
  let code = await git([...auth, 'fetch', '--quiet', '--force', 'origin', ...refspecs], dir, env, out);
  // A forked pull request's commit is only reachable from GitHub's `refs/pull/<n>/head` (branch `pull/<n>`);
  // repositories without such refs (plain git servers) are fine without it.
  const pr = /^pull\/(\d+)(\/head)?$/.exec(branch ?? '');
  if (code === 0 && pr)
    await git([...auth, 'fetch', '--quiet', '--force', 'origin', `+refs/pull/${pr[1]}/head:refs/remotes/origin/pull/${pr[1]}`], dir, env, () => undefined);
  if (code === 0) code = await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', revision], dir, env, out);
  if (code === 0 && branch) code = await git(['checkout', '--quiet', '-B', branch, revision], dir, env, out);
  if (code !== 0) {
    ctx.log.note(`Checkout failed (git exit code ${code}).`);
    return { status: 'failed', exitCode: code };
  }
  return { status: 'success', exitCode: 0 };
};
