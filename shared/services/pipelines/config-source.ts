import { ConfigPackError, packConfigFiles, type PackEntry } from '../../config/config-pack';
import type { PipelineError, Project } from '../../model/entities';
import type { RepositorySource } from '../../ports/repository-source';
import { settingsOf } from '../projects/project-settings';

/** Most YAML files a config folder may hold (each is one read from the VCS). */
const MAX_FOLDER_FILES = 200;

export type ConfigSource = { ok: true; source: string } | { ok: false; error: PipelineError };

async function packFolder(repos: RepositorySource, project: Project, revision: string, folder: string): Promise<ConfigSource> {
  const at = revision.slice(0, 12);
  const files = repos.listFiles ? await repos.listFiles(project, revision, folder) : undefined;
  if (!files)
    return {
      ok: false,
      error: {
        type: 'config-fetch',
        message: `No ${folder} folder found at ${at}. Add it, or clear the project's config_folder setting to use .circleci/config.yml.`,
      },
    };
  const yaml = files.filter((f) => /\.ya?ml$/.test(f));
  if (yaml.length > MAX_FOLDER_FILES) {
    return {
      ok: false,
      error: { type: 'config-fetch', message: `${folder} holds ${yaml.length} YAML files at ${at}; at most ${MAX_FOLDER_FILES} can be packed.` },
    };
  }
  const entries: PackEntry[] = [];
  for (const file of yaml) entries.push({ path: file, text: (await repos.readFile(project, revision, `${folder}/${file}`)) ?? '' });
  try {
    return { ok: true, source: packConfigFiles(entries).yaml };
  } catch (e) {
    if (!(e instanceof ConfigPackError)) throw e;
    return { ok: false, error: { type: 'config', message: `${folder}/${e.message}` } };
  }
}

/**
 * The config a pipeline compiles at a commit: `.circleci/config.yml` (or `.yaml`), or, when the project's
 * `config_folder` setting names a folder, that folder packed as `circleci config pack` packs it.
 * VCS failures throw (`VcsError`); a missing config or a folder that cannot be packed resolves as an error.
 */
export async function readConfigSource(repos: RepositorySource, project: Project, revision: string): Promise<ConfigSource> {
  const folder = settingsOf(project).configFolder;
  if (folder) return packFolder(repos, project, revision, folder.replace(/\/+$/, ''));
  const source = (await repos.readFile(project, revision, '.circleci/config.yml')) ?? (await repos.readFile(project, revision, '.circleci/config.yaml'));
  if (source !== undefined) return { ok: true, source };
  return { ok: false, error: { type: 'config-fetch', message: `No .circleci/config.yml found at ${revision.slice(0, 12)}. Add one to the repository.` } };
}
