import type { Project, ProjectSettings } from '../../model/entities';
import type { ProjectStore, StoredEnvVar } from '../../ports/project-store';
import { DynamoTable, toEntity } from './dynamo-table';

const projectKey = (slug: string) => ({ pk: `PROJECT#${slug}`, sk: 'META' });

/** Projects (`PROJECT#slug`/`META`, gsi1 `PROJECTS`), counters and env vars under the project's partition. */
export class DynamoProjectStore implements ProjectStore {
  constructor(private readonly table: DynamoTable) {}

  createProject(project: Project): Promise<boolean> {
    return this.table.put({ ...projectKey(project.slug), gsi1pk: 'PROJECTS', gsi1sk: project.slug, entity: 'project', ...project }, { ifNotExists: true });
  }

  async getProject(slug: string): Promise<Project | undefined> {
    return toEntity<Project>(await this.table.get(projectKey(slug)));
  }

  async listProjects(): Promise<Project[]> {
    const items = await this.table.queryAll({ index: 'gsi1', partition: 'PROJECTS' });
    return items.map((i) => toEntity<Project>(i)!);
  }

  async updateSettings(slug: string, settings: ProjectSettings): Promise<Project | undefined> {
    const item = await this.table.update(projectKey(slug), { set: { settings } }, { expression: 'attribute_exists(pk)' });
    return toEntity<Project>(item);
  }

  async nextNumber(slug: string, kind: 'pipeline' | 'job', count = 1): Promise<number> {
    if (!Number.isInteger(count) || count < 1) throw new Error(`nextNumber: count must be a positive integer, not ${count}`);
    const item = await this.table.update({ pk: `PROJECT#${slug}`, sk: `COUNTER#${kind}` }, { add: { value: count } });
    return Number(item!.value) - count + 1;
  }

  async putEnvVar(slug: string, envVar: StoredEnvVar): Promise<void> {
    await this.table.put({ pk: `PROJECT#${slug}`, sk: `ENVVAR#${envVar.name}`, entity: 'envvar', ...envVar });
  }

  async listEnvVars(slug: string): Promise<StoredEnvVar[]> {
    const items = await this.table.queryAll({ partition: `PROJECT#${slug}`, prefix: 'ENVVAR#', consistent: true });
    return items.map((i) => toEntity<StoredEnvVar>(i)!);
  }

  deleteEnvVar(slug: string, name: string): Promise<boolean> {
    return this.table.delete({ pk: `PROJECT#${slug}`, sk: `ENVVAR#${name}` }, { ifExists: true });
  }
}
