import fc from 'fast-check';
import { compileConfig } from './compile';
import { normalizeProcessed } from './golden-normalize';
import { processConfig } from './process-config';
import { stringifyYaml, YamlFloat } from './yaml-scalars';
import { parseYaml } from './yaml-parse';

// Configs generated from the grammar of the features CircleCI documents: commands with string/boolean/steps
// parameters (spliced both ways), executors with parameters, environment maps and lists, `when`/`unless` steps,
// workspaces at `.`, matrices with alias and exclude, requires, approvals, filters, contexts.
const name = fc.constantFrom('build', 'test', 'lint', 'deploy', 'docs');
const float = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(new YamlFloat(18), new YamlFloat(25e6), new YamlFloat(5e-4), new YamlFloat(-0)),
);
const scalar = fc.oneof(
  fc.constantFrom('.', '..', 'yes', 'on', '1.2.3', '1e3', '0755', '08', '18.0', '8080:80', '~', '', 'a b', '<<x'),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  float,
);
const envMap = fc.dictionary(fc.constantFrom('A', 'B', 'PATH_X', 'C'), scalar, { maxKeys: 3 });
const step = fc.oneof(
  fc.constant('checkout'),
  fc.record({ run: fc.constantFrom('echo hi', 'make test', 'echo "<< parameters.msg >>"') }),
  fc.record({ persist_to_workspace: fc.record({ root: fc.constantFrom('.', 'dist'), paths: fc.constant(['out']) }) }),
  fc.record({ attach_workspace: fc.record({ at: fc.constantFrom('.', 'ws') }) }),
  fc.record({ greet: fc.record({ msg: fc.constantFrom('world', 'yes', '.') }, { requiredKeys: [] }) }),
  fc.record({ wrap: fc.record({ then: fc.constant([{ run: 'echo inner' }]) }, { requiredKeys: [] }) }),
  fc.record({ when: fc.record({ condition: fc.boolean(), steps: fc.constant(['checkout']) }) }),
  fc.record({ unless: fc.record({ condition: fc.boolean(), steps: fc.constant([{ run: 'echo unless' }]) }) }),
);
const job = fc.record(
  {
    executor: fc.oneof(fc.constant('base'), fc.record({ name: fc.constant('base'), size: fc.constantFrom('small', 'large') })),
    environment: fc.oneof(
      envMap,
      envMap.map((m) => Object.entries(m).map(([k, v]) => ({ [k]: v }))),
    ),
    parallelism: fc.integer({ min: 1, max: 4 }),
    working_directory: fc.constantFrom('~/project', '.', '/tmp/x'),
    steps: fc.array(step, { minLength: 1, maxLength: 5 }),
  },
  { requiredKeys: ['executor', 'steps'] },
);

const config = fc.uniqueArray(name, { minLength: 1, maxLength: 4 }).chain((names) =>
  fc
    .record({
      jobs: fc
        .tuple(...names.map(() => job))
        .map((bodies) => Object.fromEntries(names.map((n, i) => [n, { ...bodies[i], parameters: { msg: { type: 'string', default: 'x' } } }]))),
      entries: fc.tuple(
        ...names.map((n, i) =>
          fc.record(
            {
              requires: fc.subarray(names.slice(0, i)),
              context: fc.constantFrom('org-global', ['a', 'b']),
              filters: fc.constant({ branches: { only: ['main', '/release\\/.*/'] } }),
              matrix: fc.constant({ alias: `${n}-all`, parameters: { msg: ['a', 'b', 'c'] }, exclude: [{ msg: 'b' }] }),
            },
            { requiredKeys: [] },
          ),
        ),
      ),
      hold: fc.boolean(),
      markers: fc.boolean(),
    })
    .map(({ jobs, entries, hold, markers }) => {
      const names = Object.keys(jobs);
      const wfJobs: unknown[] = names.map((n, i) => {
        const e = entries[i] as Record<string, unknown>;
        const requires = ((e.requires as string[] | undefined) ?? []).map((r) =>
          (entries[names.indexOf(r)] as Record<string, unknown>).matrix ? `${r}-all` : r,
        );
        const req = hold && i === 0 ? ['hold'] : requires;
        return { [n]: { ...e, ...(req.length ? { requires: req } : { requires: undefined }) } };
      });
      if (hold) wfJobs.unshift({ hold: { type: 'approval' } });
      // Job types that run no steps: a no-op gate, a release, and a lock/unlock pair around them.
      if (markers)
        wfJobs.push('take', { gate: { requires: ['take'] } }, { rel: { requires: ['gate'] } }, { give: { requires: [{ rel: ['success', 'failed'] }] } });
      const markerJobs = markers
        ? { take: { type: 'lock', key: 'k' }, gate: { type: 'no-op' }, rel: { type: 'release', plan_name: 'svc' }, give: { type: 'unlock', key: 'k' } }
        : {};
      return {
        version: 2.1,
        executors: {
          base: {
            parameters: { size: { type: 'enum', enum: ['small', 'large'], default: 'small' } },
            docker: [{ image: 'cimg/base:stable' }],
            resource_class: '<< parameters.size >>',
          },
        },
        commands: {
          greet: { parameters: { msg: { type: 'string', default: 'hi' } }, steps: [{ run: 'echo << parameters.msg >>' }] },
          wrap: {
            parameters: { then: { type: 'steps', default: [] } },
            steps: [{ run: 'echo before' }, { steps: '<< parameters.then >>' }, '<< parameters.then >>'],
          },
        },
        jobs: { ...jobs, ...markerJobs },
        workflows: { main: { jobs: wfJobs } },
      };
    }),
);

async function processed(source: string): Promise<string> {
  const r = await processConfig(source, { fileName: 'p.yml' });
  if (!r.ok) throw new Error(`${r.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n')}\n${source}`);
  return r.yaml;
}

describe('config process is a fixed point (property)', () => {
  it('processing the processed config gives the same config', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (cfg) => {
        const once = await processed(stringifyYaml(cfg));
        const twice = await processed(once);
        expect(normalizeProcessed(parseYaml(twice, 'twice.yml').value)).toEqual(normalizeProcessed(parseYaml(once, 'once.yml').value));
      }),
      { numRuns: 60 },
    );
  });

  it('never throws for a mangled config: every problem is positioned', async () => {
    const mangle = fc
      .tuple(config, fc.nat(), fc.constantFrom('', '- ', ': ', '<< parameters.nope >>', '<<', '[', '}', '\t', '&a', '*a', '"'))
      .map(([cfg, at, junk]) => {
        const text = stringifyYaml(cfg);
        const i = at % (text.length + 1);
        return text.slice(0, i) + junk + text.slice(i);
      });
    await fc.assert(
      fc.asyncProperty(mangle, async (source) => {
        const r = await compileConfig(source, { fileName: 'm.yml' });
        if (!r.ok)
          for (const p of r.problems)
            expect(p).toMatchObject({ file: expect.any(String), line: expect.any(Number), column: expect.any(Number), message: expect.any(String) });
      }),
      { numRuns: 150 },
    );
  });
});
