import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { corpusOrbResolver } from '../../test/support/corpus-orbs';
import { compileConfig } from './compile';
import { exampleFiles, pageExamples, type DocExample } from './docs-examples';
import { parseOrbReference } from './orbs';
import { parseYaml } from './yaml-parse';

// `../shared/corpus/docs/`: CircleCI's own reference pages. Every YAML example that is a config, or a
// `jobs`/`workflows` fragment wrapped the way the pages use it, compiles, or fails where the page says CircleCI
// rejects it.
const corpus = path.resolve(__dirname, '../../../shared/corpus');
const docs = path.join(corpus, 'docs');
const present = existsSync(docs);
if (!present) console.warn(`Skipping the docs example tests: ${docs} is absent (it is ../shared/corpus/docs beside the checkout).`);
const describeDocs = present ? describe : describe.skip;

/** Examples that cannot be held against the compiler, each with the reason. Keep this list short. */
const SKIPPED: Record<string, string> = {
  'using-dynamic-configuration.adoc:118': 'the page closes the previous block with `---` instead of `----`, so prose is read as YAML',
  'workflows.adoc:460': "the page's YAML is malformed (`nightly: \\``)",
  'configuration-reference.adoc:3319': 'two YAML documents separated by `---`: alternatives, not one config',
  'configuration-reference.adoc:3348': 'a filter expression written as a key spanning lines, not YAML',
  'expression-examples/job-filters/multiple-or.yml': 'two YAML documents separated by `---`: alternatives, not one config',
  'orchestration-examples/override-with.yml':
    'malformed: workflows written as a list, a `<< url-ref >>` placeholder for the orb, jobs without an executor (`override-with` itself is compiled and tested in compile-job-types.test.ts)',
  'orb-concepts.adoc:134': 'placeholder orb reference `<namespace>/<orb>@x.y`',
  'create-an-inline-orb.adoc:46': 'an outline: the inline orb holds only comments',
  'create-an-inline-orb.adoc:79': 'an outline: a `run` step with only a comment for its command',
  'configuration-reference.adoc:2552': 'uses a command the page defines in another example',
  'dynamic-config.adoc:148': 'uses the path-filtering orb the page imports in another example (and it is not in the corpus)',
  'orchestration-cookbook.adoc:182': 'uses a pipeline parameter the page declares in another example',
  'orchestration-cookbook.adoc:194': 'uses a pipeline parameter the page declares in another example',
  'configuration-reference.adoc:1884': 'shows `max_auto_reruns` on a job that has no executor (an outline)',
  // Known difference (README): job groups are not supported; the compiler says so where `job-groups` is.
  'orchestration-examples/job-group.yml': 'job groups (`job-groups`) are not supported',
  'orchestration-examples/job-group-with-serial-group.yml': 'job groups (`job-groups`) are not supported',
  'orchestration-examples/job-group-multiple-invocations.yml': 'job groups (`job-groups`) are not supported',
};

/** Registry orbs the corpus does not hold: an example that imports one is not compiled (named in its skip reason). */
const corpusOrbNames = present && existsSync(path.join(corpus, 'orbs')) ? readdirSync(path.join(corpus, 'orbs')) : [];

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);
const TOP_LEVEL = ['version', 'setup', 'orbs', 'parameters', 'executors', 'commands', 'jobs', 'workflows', 'job-groups'];

/** Names of the workflow jobs an example refers to without defining them (no orb prefix, not approvals). */
function undefinedJobs(doc: Doc): string[] {
  const jobs = isMap(doc.jobs) ? doc.jobs : {};
  const names = new Set<string>();
  for (const wf of Object.values(isMap(doc.workflows) ? doc.workflows : {})) {
    if (!isMap(wf) || !Array.isArray(wf.jobs)) continue;
    for (const entry of wf.jobs) {
      const [name, cfg] = typeof entry === 'string' ? [entry, {}] : isMap(entry) ? (Object.entries(entry)[0] ?? ['', {}]) : ['', {}];
      if (name && !name.includes('/') && !(name in jobs) && !(isMap(cfg) && cfg.type === 'approval')) names.add(name);
    }
  }
  return [...names];
}

const ENTRY_KEYS = ['requires', 'name', 'context', 'filters', 'matrix', 'type', 'pre-steps', 'post-steps', 'serial-group', 'max_auto_reruns', 'override-with'];
const typeOf = (v: unknown): string => (typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v === 'boolean' ? 'boolean' : 'string');

/** The parameters a stand-in job needs: the arguments (and matrix parameters) its workflow entries pass. */
function argumentsOf(doc: Doc): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const wf of Object.values(isMap(doc.workflows) ? doc.workflows : {})) {
    for (const entry of isMap(wf) && Array.isArray(wf.jobs) ? wf.jobs : []) {
      if (!isMap(entry)) continue;
      const [name, cfg] = Object.entries(entry)[0] ?? ['', {}];
      if (!isMap(cfg)) continue;
      const params = out.get(name) ?? {};
      for (const [k, v] of Object.entries(cfg)) if (!ENTRY_KEYS.includes(k)) params[k] = typeOf(v);
      const matrix = isMap(cfg.matrix) && isMap(cfg.matrix.parameters) ? cfg.matrix.parameters : {};
      for (const [k, v] of Object.entries(matrix)) params[k] = typeOf(Array.isArray(v) ? v[0] : v);
      out.set(name, params);
    }
  }
  return out;
}

/** An example that shows one key and leaves out what a config needs (a job without steps, a workflow without jobs). */
function illustrative(doc: Doc): boolean {
  const parts = (v: unknown): unknown[] => (isMap(v) ? Object.values(v) : []);
  if (doc.jobs !== undefined && (!isMap(doc.jobs) || parts(doc.jobs).some((j) => !isMap(j) || !(Array.isArray(j.steps) || 'type' in j)))) return true;
  if (doc.commands !== undefined && parts(doc.commands).some((c) => !isMap(c) || !Array.isArray(c.steps))) return true;
  return (
    doc.workflows !== undefined &&
    (!isMap(doc.workflows) || Object.entries(doc.workflows).some(([k, w]) => k !== 'version' && !(isMap(w) && Array.isArray(w.jobs))))
  );
}

/**
 * The config an example stands for: a complete config as is; a `jobs`/`workflows` fragment with `version: 2.1`,
 * a stand-in job for each job its workflows name but do not define (the pages show them elsewhere), and a
 * workflow running its jobs when it has none. Anything else (a lone step list, a job body) is not a config.
 */
function asConfig(ex: DocExample): { source: string; wrapped: boolean } | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(ex.yaml, ex.id).value;
  } catch {
    return { source: ex.yaml, wrapped: false };
  }
  if (!isMap(doc) || !Object.keys(doc).every((k) => TOP_LEVEL.includes(k)) || !(isMap(doc.jobs) || isMap(doc.workflows)) || illustrative(doc)) return undefined;
  const missing = undefinedJobs(doc);
  const complete = 'version' in doc && missing.length === 0 && (isMap(doc.workflows) || (isMap(doc.jobs) && 'build' in doc.jobs));
  if (complete) return { source: ex.yaml, wrapped: false };
  const args = argumentsOf(doc);
  const stub = (name: string) => {
    const params = Object.entries(args.get(name) ?? {})
      .map(([p, type]) => `      ${JSON.stringify(p)}: {type: ${type}}\n`)
      .join('');
    return `  ${JSON.stringify(name)}:\n${params ? `    parameters:\n${params}` : ''}    docker: [{image: cimg/base:stable}]\n    steps: [{run: echo ${JSON.stringify(name)}}]\n`;
  };
  let extra = '';
  if (missing.length) extra += `${isMap(doc.jobs) ? '' : 'jobs:\n'}${missing.map(stub).join('')}`;
  let source = `${'version' in doc ? '' : 'version: 2.1\n'}${ex.yaml.endsWith('\n') ? ex.yaml : `${ex.yaml}\n`}`;
  if (extra) source = isMap(doc.jobs) ? source.replace(/^jobs:[^\n]*\n/m, (m) => `${m}${missing.map(stub).join('')}`) : `${source}${extra}`;
  if (!isMap(doc.workflows) && isMap(doc.jobs) && !('build' in doc.jobs))
    source += `workflows:\n  docs-example:\n    jobs: [${Object.keys(doc.jobs)
      .map((j) => JSON.stringify(j))
      .join(', ')}]\n`;
  return { source, wrapped: true };
}

/** The registry orbs an example imports that the corpus does not hold. */
function foreignOrbs(source: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(source, 'x').value;
  } catch {
    return [];
  }
  const orbs = isMap(doc) && isMap(doc.orbs) ? doc.orbs : {};
  return Object.values(orbs).flatMap((v) => {
    const ref = typeof v === 'string' ? parseOrbReference(v) : undefined;
    return ref && !(ref.namespace === 'circleci' && corpusOrbNames.includes(ref.name)) ? [`${ref.namespace}/${ref.name}`] : [];
  });
}

/** Where the page says CircleCI rejects the example, the words it uses. */
const SAYS_INVALID = /\b(is invalid|are invalid|not valid)\b/i;

const examples = present
  ? [
      ...readdirSync(docs)
        .filter((f) => f.endsWith('.adoc'))
        .sort()
        .flatMap((f) => pageExamples(path.join(docs, f))),
      ...exampleFiles(path.join(docs, 'examples')),
    ]
  : [];
const cases = examples.flatMap((ex) => {
  const config = asConfig(ex);
  return config ? [{ ex, ...config }] : [];
});

// Registry orbs outside the corpus (e.g. circleci/path-filtering) have nothing to resolve them from.
const skipReason = (c: (typeof cases)[number]): string | undefined => {
  const foreign = foreignOrbs(c.source);
  return SKIPPED[c.ex.id] ?? (foreign.length ? `needs registry orbs the corpus does not hold: ${foreign.join(', ')}` : undefined);
};
const tested = cases.filter((c) => !skipReason(c));
const skipped = cases.flatMap((c) => (skipReason(c) ? [[c.ex.id, skipReason(c) as string]] : []));

describeDocs('CircleCI documentation examples', () => {
  const orbResolver = corpusOrbResolver(corpus);

  it('finds the examples of every page', () => {
    expect(examples.length).toBeGreaterThan(200);
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(tested.map((c) => [c.ex.id, c] as const))('%s compiles, or fails as its page says', async (id, c) => {
    const result = await compileConfig(c.source, { fileName: id, orbResolver });
    const problems = result.ok ? '' : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n');
    if (SAYS_INVALID.test(c.ex.context.split('\n').slice(-4).join('\n'))) expect({ id, rejected: !result.ok }).toEqual({ id, rejected: true });
    else expect({ id, problems, source: problems ? c.source : '' }).toEqual({ id, problems: '', source: '' });
  });

  it.skip.each(skipped)('%s: %s', () => undefined);

  it('keeps the skip list to examples that exist', () => {
    const ids = new Set(examples.map((e) => e.id));
    expect(Object.keys(SKIPPED).filter((id) => !ids.has(id))).toEqual([]);
  });
});
