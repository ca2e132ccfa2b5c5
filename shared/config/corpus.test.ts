import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirectoryOrbResolver } from '../adapters/local/directory-orb-resolver';
import { compileConfig, type CompileResult } from './compile';
import { parseOrbReference } from './orbs';
import { packOrb } from './orb-pack';
import { parseYaml } from './yaml-parse';

const corpus = path.resolve(__dirname, '../../../shared/corpus');
const describeCorpus = existsSync(corpus) ? describe : describe.skip;

const yamlFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
const problemsText = (r: CompileResult): string => (r.ok ? '' : r.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`).join('\n'));
const onlyMissingOrbs = (r: CompileResult): boolean => !r.ok && r.problems.every((p) => p.code === 'orb-not-found');

/** Registry orbs (`ns/name`) a config imports at its top level. */
function registryOrbs(source: string): string[] {
  const root = parseYaml(source, 'x').value as { orbs?: Record<string, unknown> };
  return Object.values(root?.orbs ?? {}).flatMap((v) => {
    const ref = typeof v === 'string' ? parseOrbReference(v) : undefined;
    return ref ? [`${ref.namespace}/${ref.name}`] : [];
  });
}

describeCorpus('corpus', () => {
  const configs = yamlFiles(path.join(corpus, 'configs'));
  const schemaPositive = yamlFiles(path.join(corpus, 'schemastore/test/circleciconfig'));
  const schemaNegative = yamlFiles(path.join(corpus, 'schemastore/negative_test/circleciconfig'));
  const corpusOrbs = existsSync(path.join(corpus, 'orbs')) ? readdirSync(path.join(corpus, 'orbs')) : [];
  let resolver: DirectoryOrbResolver;

  beforeAll(() => {
    const root = mkdtempSync(path.join(tmpdir(), 'corpus-orbs-'));
    for (const name of corpusOrbs) {
      mkdirSync(path.join(root, 'circleci', name), { recursive: true });
      // The corpus keeps the orbs' YAML but not their scripts: included scripts become placeholders.
      writeFileSync(path.join(root, 'circleci', name, 'orb.yml'), packOrb(path.join(corpus, 'orbs', name), { onMissingInclude: 'placeholder' }));
    }
    resolver = new DirectoryOrbResolver(root);
  });

  it.each(configs.map((f) => [path.basename(f), f]))('%s compiles or lacks only registry orbs', async (_name, file) => {
    const r = await compileConfig(readFileSync(file, 'utf8'), { fileName: path.basename(file) });
    if (!r.ok && !onlyMissingOrbs(r)) throw new Error(problemsText(r));
  });

  // SchemaStore's cases are schema fixtures: many name jobs they never define or omit workflows, which CircleCI
  // rejects too. They must pass parsing and structural validation; what remains may only be semantic problems.
  it.each(schemaPositive.map((f) => [path.basename(f), f]))('SchemaStore case %s passes parsing and schema validation', async (_name, file) => {
    const r = await compileConfig(readFileSync(file, 'utf8'), { fileName: path.basename(file) });
    if (!r.ok && r.problems.some((p) => p.code === 'schema' || p.code === 'yaml' || p.code === 'limit')) throw new Error(problemsText(r));
  });

  it.each(configs.map((f) => [path.basename(f), f]))('%s compiles with the corpus orbs when it needs no others', async (_name, file) => {
    const source = readFileSync(file, 'utf8');
    const r = await compileConfig(source, { fileName: path.basename(file), orbResolver: resolver });
    const needsOthers = registryOrbs(source).some((o) => !corpusOrbs.some((c) => o === `circleci/${c}`));
    if (needsOthers) {
      if (!r.ok && !onlyMissingOrbs(r)) throw new Error(problemsText(r));
      if (!r.ok) expect(r.problems.every((p) => !corpusOrbs.some((c) => p.message.startsWith(`Orb circleci/${c}@`)))).toBe(true);
    } else if (!r.ok) throw new Error(problemsText(r));
  });

  it('compiles at least the configs that use only corpus orbs or none', async () => {
    let compiled = 0;
    for (const file of configs) if ((await compileConfig(readFileSync(file, 'utf8'), { orbResolver: resolver })).ok) compiled++;
    expect(compiled).toBeGreaterThanOrEqual(7);
  });

  if (schemaNegative.length) {
    it.each(schemaNegative.map((f) => [path.basename(f), f]))('rejects the SchemaStore negative case %s', async (_name, file) => {
      const r = await compileConfig(readFileSync(file, 'utf8'), { fileName: path.basename(file) });
      expect(r.ok).toBe(false);
    });
  }
});
