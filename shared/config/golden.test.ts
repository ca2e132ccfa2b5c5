import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OrbResolver } from '../ports/orb-resolver';
import { packConfigDir } from './config-pack';
import { normalizeProcessed } from './golden-normalize';
import { processConfig } from './process-config';
import { parseYaml } from './yaml-parse';

// `../shared/corpus/golden/`: real configs beside the output CircleCI's `config process` produced for them
// (README.md there says how each pair was made). Each output is compared with ours as data.
const golden = path.resolve(__dirname, '../../../shared/corpus/golden');
const present = existsSync(golden);
if (!present) console.warn(`Skipping the golden config tests: ${golden} is absent (it is ../shared/corpus/golden beside the checkout).`);
const describeGolden = present ? describe : describe.skip;

type Doc = { jobs: Record<string, Record<string, unknown>>; workflows: Record<string, { jobs?: Array<[string, unknown]> } | unknown> };

/** The stand-in for registry orb circleci/hello-build@0.0.10, whose source the corpus does not hold. */
const HELLO_BUILD_ORB = `version: 2.1
jobs:
  hello-build:
    parameters:
      to: {type: string, default: World}
    docker: [{image: "bash:4.4.19"}]
    steps:
      - run: echo "Hello << parameters.to >>"
      - run:
          name: Show some of the CircleCI runtime env vars
          command: |-
            echo "TRIGGERER: \${CIRCLE_USERNAME}"
            echo "BUILD_NUMBER: \${CIRCLE_BUILD_NUM}"
            echo "BUILD_URL: \${CIRCLE_BUILD_URL}"
            echo "BRANCH: \${CIRCLE_BRANCH}"
            echo "RUNNING JOB: \${CIRCLE_JOB}"
            echo "JOB PARALLELISM: \${CIRCLE_NODE_TOTAL}"
            echo "CIRCLE_REPOSITORY_URL: \${CIRCLE_REPOSITORY_URL}"
      - run:
          name: Show system information
          command: |-
            echo "uname:" $(uname -a)
            echo "arch: " $(uname -m)
`;
const orbResolver: OrbResolver = {
  resolve: async (ref) => (`${ref.namespace}/${ref.name}@${ref.version}` === 'circleci/hello-build@0.0.10' ? HELLO_BUILD_ORB : undefined),
};

/** The artifactory pairs' input, assembled as the repository's test helper did: the packed orb source inline. */
function assembleInline(input: string): string {
  const packed = packConfigDir(path.join(golden, 'CircleCI-Archived__artifactory-orb__orb-src.input/src')).yaml;
  return `version: 2.1\norbs:\n  artifactory:\n${packed
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n${input}`;
}

/**
 * The cassandra outputs had workflow entries removed after processing (README: `delete_repeated_jobs`, a prefix
 * match on each listed name and on `start_<name>`); the names are read from the README's section of the pair.
 */
function repeatedJobs(pair: string): string[] {
  const readme = readFileSync(path.join(golden, 'README.md'), 'utf8');
  const sections = readme.split(/\n## /);
  const section = sections.find((s) => s.includes(`\`${pair.replace('apache__cassandra__', '')}\``));
  const names = /Names at this commit:\s*\n([\s\S]*?)\n\*/.exec(section ?? '')?.[1] ?? '';
  return names.split(/\s+/).filter(Boolean);
}

function deleteRepeatedJobs(doc: Doc, names: string[]): Doc {
  const deleted = (entry: string) => names.some((n) => entry.startsWith(n) || entry.startsWith(`start_${n}`));
  const workflows = Object.fromEntries(
    Object.entries(doc.workflows).map(([name, wf]) => {
      const w = wf as { jobs?: Array<[string, unknown]> };
      return [name, Array.isArray(w.jobs) ? { ...w, jobs: w.jobs.filter(([entry]) => !deleted(entry)) } : wf];
    }),
  );
  return { ...doc, workflows };
}

const pairs = present
  ? readdirSync(golden)
      .filter((f) => f.endsWith('.input.yml'))
      .map((f) => f.slice(0, -'.input.yml'.length))
      .sort()
  : [];

describeGolden('golden outputs of circleci config process', () => {
  it('has pairs to compare', () => {
    expect(pairs.length).toBeGreaterThan(0);
  });

  it.each(pairs)("%s: our processed config equals CircleCI's as data", async (pair) => {
    const raw = readFileSync(path.join(golden, `${pair}.input.yml`), 'utf8');
    const input = pair.startsWith('CircleCI-Archived__artifactory-orb__') ? assembleInline(raw) : raw;
    const result = await processConfig(input, { fileName: `${pair}.input.yml`, orbResolver });
    if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
    let ours = normalizeProcessed(parseYaml(result.yaml, 'ours.yml').value) as Doc;
    const theirs = normalizeProcessed(parseYaml(readFileSync(path.join(golden, `${pair}.expected.yml`), 'utf8'), 'expected.yml').value) as Doc;
    if (pair.startsWith('apache__cassandra__')) {
      const names = repeatedJobs(pair);
      expect(names.length).toBeGreaterThan(10);
      ours = deleteRepeatedJobs(ours, names);
    }
    expect(Object.keys(ours.jobs).sort()).toEqual(Object.keys(theirs.jobs).sort());
    for (const name of Object.keys(theirs.jobs)) expect({ [name]: ours.jobs[name] }).toEqual({ [name]: theirs.jobs[name] });
    expect(ours.workflows).toEqual(theirs.workflows);
    expect(ours).toEqual(theirs);
  });
});
