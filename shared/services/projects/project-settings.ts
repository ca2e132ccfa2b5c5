import type { Pipeline, Project, ProjectSettings } from '../../model/entities';
import { NotFoundError, ValidationError } from '../../model/errors';
import type { ControlPlaneDeps } from '../deps';

/**
 * The project's advanced settings as stored: the four GitHub policy flags every project has, plus the
 * optional ones of CircleCI's v2 `advanced` object (absent means the default below).
 */
export interface AdvancedSettings extends ProjectSettings {
  setGithubStatus?: boolean;
  prOnlyBranchOverrides?: string[];
  disableSsh?: boolean;
  oss?: boolean;
  setupWorkflows?: boolean;
  writeSettingsRequiresAdmin?: boolean;
  /** Slipway's own setting: a folder (e.g. `.circleci/config`) packed at trigger time instead of `.circleci/config.yml`. */
  configFolder?: string;
}

/** v2 name (`advanced.<name>`) → stored field, with CircleCI's defaults. */
const FLAGS = {
  autocancel_builds: ['autoCancelBuilds', false],
  build_fork_prs: ['buildForkPrs', false],
  build_prs_only: ['buildPrsOnly', false],
  disable_ssh: ['disableSsh', false],
  forks_receive_secret_env_vars: ['forksReceiveSecrets', false],
  oss: ['oss', false],
  set_github_status: ['setGithubStatus', true],
  setup_workflows: ['setupWorkflows', false],
  write_settings_requires_admin: ['writeSettingsRequiresAdmin', false],
} as const satisfies Record<string, [keyof AdvancedSettings, boolean]>;
type FlagName = keyof typeof FLAGS;

/** v1.1 `feature_flags` names (kebab-case) → v2 names. */
const V1_FLAGS: Record<string, FlagName> = {
  'autocancel-builds': 'autocancel_builds',
  'build-fork-prs': 'build_fork_prs',
  'build-prs-only': 'build_prs_only',
  'disable-ssh': 'disable_ssh',
  'forks-receive-secret-env-vars': 'forks_receive_secret_env_vars',
  oss: 'oss',
  'set-github-status': 'set_github_status',
  'setup-workflows': 'setup_workflows',
  'write-settings-requires-admin': 'write_settings_requires_admin',
};

export function settingsOf(project: Project): AdvancedSettings {
  return project.settings as AdvancedSettings;
}

function flag(settings: AdvancedSettings, name: FlagName): boolean {
  const [field, fallback] = FLAGS[name];
  const v = settings[field];
  return typeof v === 'boolean' ? v : fallback;
}

/** Checks a `config_folder` setting: a folder path inside the repository. Resolves the error message, if any. */
function configFolderProblem(folder: string): string | undefined {
  if (!folder) return undefined;
  if (folder.length > 200 || folder.startsWith('/') || folder.split('/').some((p) => p === '..' || p === '.') || /[\0\\]/.test(folder)) {
    return "Setting 'config_folder' must be a folder path inside the repository, e.g. .circleci/config (no leading /, no . or .. parts).";
  }
  return undefined;
}

/** CircleCI API v2 `project_settings`. */
export function apiProjectSettings(project: Project): { advanced: Record<string, boolean | string | string[]> } {
  const s = settingsOf(project);
  const advanced: Record<string, boolean | string | string[]> = {};
  for (const name of Object.keys(FLAGS) as FlagName[]) advanced[name] = flag(s, name);
  advanced.pr_only_branch_overrides = s.prOnlyBranchOverrides ?? [project.defaultBranch];
  if (s.configFolder) advanced.config_folder = s.configFolder;
  return { advanced };
}

/** CircleCI API v1.1 `feature_flags`. */
export function apiFeatureFlags(project: Project): Record<string, boolean> {
  const s = settingsOf(project);
  return Object.fromEntries(Object.entries(V1_FLAGS).map(([v1, v2]) => [v1, flag(s, v2)]));
}

/** Settings that need an organisation admin to change (CircleCI: `write_settings_requires_admin`). */
export function settingsWriteRole(project: Project): 'admin' | 'member' {
  return flag(settingsOf(project), 'write_settings_requires_admin') ? 'admin' : 'member';
}

/** Validates a v2 PATCH body with CircleCI's messages; resolves the changes as stored fields. */
export function parseSettingsPatch(body: unknown): Partial<AdvancedSettings> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('Invalid JSON body.');
  const keys = Object.keys(body);
  if (keys.length === 0) throw new ValidationError('No JSON fields found.');
  const unexpected = keys.find((k) => k !== 'advanced');
  if (unexpected) throw new ValidationError(`Unexpected JSON field '${unexpected}'`);
  const advanced = (body as { advanced: unknown }).advanced;
  if (!advanced || typeof advanced !== 'object' || Array.isArray(advanced)) throw new ValidationError("Field 'advanced' must be an object of settings.");
  if (Object.keys(advanced).length === 0) throw new ValidationError('No JSON fields found.');
  const changes: Partial<AdvancedSettings> = {};
  for (const [name, value] of Object.entries(advanced)) {
    if (name === 'pr_only_branch_overrides') {
      if (!Array.isArray(value) || value.some((b) => typeof b !== 'string' || !b))
        throw new ValidationError("Setting 'pr_only_branch_overrides' must be an array of branch names.");
      if (value.length > 100) throw new ValidationError("Field 'pr_only_branch_overrides' only supports up to 100 branches.");
      changes.prOnlyBranchOverrides = [...new Set(value as string[])];
      continue;
    }
    if (name === 'config_folder') {
      const problem = typeof value === 'string' ? configFolderProblem(value) : "Setting 'config_folder' must be a string (empty to use .circleci/config.yml).";
      if (problem) throw new ValidationError(problem);
      changes.configFolder = (value as string).replace(/\/+$/, '') || undefined;
      continue;
    }
    if (!(name in FLAGS)) throw new ValidationError(`Unknown advanced setting '${name}'.`);
    if (typeof value !== 'boolean') throw new ValidationError(`Setting '${name}' must be boolean.`);
    (changes as Record<string, boolean>)[FLAGS[name as FlagName][0]] = value;
  }
  return changes;
}

/** Validates a v1.1 `PUT .../settings` body (`{feature_flags: {"build-fork-prs": true, ...}}`). */
export function parseFeatureFlags(body: unknown): Partial<AdvancedSettings> {
  const flags = (body as { feature_flags?: unknown } | undefined)?.feature_flags;
  if (!flags || typeof flags !== 'object' || Array.isArray(flags) || Object.keys(flags).length === 0) {
    throw new ValidationError('Send {"feature_flags": {"<flag>": true|false}}, e.g. {"feature_flags": {"build-fork-prs": true}}.');
  }
  const changes: Partial<AdvancedSettings> = {};
  for (const [name, value] of Object.entries(flags)) {
    const v2 = V1_FLAGS[name];
    if (!v2) throw new ValidationError(`Unknown feature flag '${name}'. Known flags: ${Object.keys(V1_FLAGS).join(', ')}.`);
    if (typeof value !== 'boolean') throw new ValidationError(`Feature flag '${name}' must be boolean.`);
    (changes as Record<string, boolean>)[FLAGS[v2][0]] = value;
  }
  return changes;
}

export async function updateProjectSettings(deps: Pick<ControlPlaneDeps, 'projects'>, project: Project, changes: Partial<AdvancedSettings>): Promise<Project> {
  const updated = await deps.projects.updateSettings(project.slug, { ...settingsOf(project), ...changes });
  if (!updated) throw new NotFoundError('Project not found', { slug: project.slug });
  return updated;
}

/** A pull request from a fork: its head repository differs from the project's. */
export function isForkedPullRequest(pipeline: Pipeline): boolean {
  return Boolean(pipeline.vcs.reviewId) && pipeline.vcs.originRepositoryUrl !== pipeline.vcs.targetRepositoryUrl;
}

/** Whether jobs of this pipeline may see project env vars and context secrets (fork PR policy). */
export function pipelineReceivesSecrets(project: Project, pipeline: Pipeline): boolean {
  return !isForkedPullRequest(pipeline) || flag(settingsOf(project), 'forks_receive_secret_env_vars');
}

/** Whether a branch push builds under `build_prs_only` (the default branch and overrides always build). */
export function branchPushBuilds(project: Project, branch: string): boolean {
  const s = settingsOf(project);
  if (!flag(s, 'build_prs_only')) return true;
  return branch === project.defaultBranch || (s.prOnlyBranchOverrides ?? []).includes(branch);
}

export function reportsGitHubStatus(project: Project): boolean {
  return flag(settingsOf(project), 'set_github_status');
}
