import type { Project, ProjectSettings } from '../model/entities';

export interface StoredEnvVar {
  name: string;
  /** Ciphertext from `SecretCipher`; never the clear value. */
  encryptedValue: string;
  createdAt: string;
}

/**
 * Projects, their settings, env vars and number counters.
 *
 * Semantics: `createProject` is idempotent by slug (resolves `false` and changes nothing when it exists).
 * `nextNumber` is an atomic counter: concurrent calls never return the same number (or overlapping blocks). Env var puts overwrite.
 */
export interface ProjectStore {
  createProject(project: Project): Promise<boolean>;
  getProject(slug: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;
  updateSettings(slug: string, settings: ProjectSettings): Promise<Project | undefined>;
  /**
   * Atomically advances the counter `kind` of the project (`pipeline`, `job`) by `count` (default 1) and
   * returns the first of the `count` numbers taken (one write for a whole block).
   */
  nextNumber(slug: string, kind: 'pipeline' | 'job', count?: number): Promise<number>;
  putEnvVar(slug: string, envVar: StoredEnvVar): Promise<void>;
  listEnvVars(slug: string): Promise<StoredEnvVar[]>;
  deleteEnvVar(slug: string, name: string): Promise<boolean>;
}
