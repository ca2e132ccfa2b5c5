import { compileConfig } from './compile';
import { loadFixture } from './fixtures/load-fixture';
import type { ConfigProblem } from './plan';

async function problems(name: string): Promise<ConfigProblem[]> {
  const r = await compileConfig(loadFixture(`errors/${name}`), { fileName: `${name}.yml` });
  if (r.ok) throw new Error(`${name} compiled`);
  return r.problems;
}
const brief = (ps: ConfigProblem[]): Array<[number, number, string]> => ps.map((p) => [p.line, p.column, p.message]);

describe('compileConfig errors', () => {
  it('names an unknown workflow job and suggests the nearest one', async () => {
    const [p] = await problems('unknown-job');
    expect(p).toMatchObject({ file: 'unknown-job.yml', line: 9, column: 9, message: 'Job "biuld" in workflow "main" is not defined.' });
    expect(p.hint).toContain('Did you mean "build"?');
  });

  it('rejects cycles in requires', async () => {
    expect(brief(await problems('cycle'))).toEqual([[11, 21, 'Cycle in requires of workflow "main": one -> two -> one.']]);
  });

  it('rejects duplicate job definitions and duplicate job names', async () => {
    expect(brief(await problems('duplicate-job'))).toEqual([[6, 3, 'Duplicate job name "a" in `jobs`.']]);
  });

  it('reports missing, mistyped, out-of-enum and reserved parameters', async () => {
    expect(brief(await problems('parameters'))).toEqual([
      [8, 7, 'Parameter name "name" of job "a" is reserved.'],
      [15, 18, 'Argument "count" for job "a": expected an integer, got string "three".'],
      [16, 17, 'Argument "size" for job "a": "huge" is not one of "small", "large".'],
      [15, 11, 'Missing required argument "needed" for job "a".'],
    ]);
  });

  it('takes an approval job named like a defined job as an approval, as CircleCI does', async () => {
    const r = await compileConfig(loadFixture('approval-collision'), { fileName: 'approval-collision.yml' });
    expect(r.ok && r.plan.workflows[0].jobs.map((j) => [j.name, j.type])).toEqual([['hold', 'approval']]);
  });

  it('rejects docker and machine together', async () => {
    expect(brief(await problems('docker-and-machine'))).toEqual([[5, 5, 'job "a" uses both `docker` and `machine`.']]);
  });

  it('names a missing registry orb and how to provide it', async () => {
    const [p] = await problems('missing-orb');
    expect(p).toMatchObject({ line: 3, column: 9, code: 'orb-not-found', message: 'Orb circleci/node@9.9.9 (imported as "node") was not found.' });
    expect(p.hint).toContain('slipway orb pack');
  });

  it('keeps pipeline parameters out of orbs', async () => {
    const [p] = await problems('orb-pipeline-parameter');
    expect(p.message).toBe('<< pipeline.parameters.secret >> is used in orb "mine", but pipeline parameters are not visible inside orbs.');
    expect([p.line, p.column]).toEqual([9, 18]);
  });

  it('suggests the nearest command for an unknown step', async () => {
    const [p] = await problems('unknown-command');
    expect(p).toMatchObject({ line: 9, column: 9, message: 'Unknown step or command "setup-evn" in job "a".', hint: 'Did you mean "setup-env"?' });
  });

  it('positions schema violations', async () => {
    expect(brief(await problems('schema'))).toEqual([[5, 9, 'jobs.a.docker[0]: missing required key `image`.']]);
  });

  it('positions YAML syntax errors', async () => {
    const [p] = await problems('bad-yaml');
    expect(p.code).toBe('yaml');
    expect(p.line).toBeGreaterThanOrEqual(4);
    expect(p.message).toMatch(/^Invalid YAML/);
  });

  it('rejects a config that is not a map, and unsupported versions', async () => {
    const list = await compileConfig('- a\n- b\n');
    expect(list.ok || list.problems[0].message).toBe('The config must be a YAML map with `version`, `jobs` and `workflows`.');
    const v = await compileConfig('version: 3\njobs: {}\n');
    expect(v.ok || v.problems[0]).toMatchObject({ line: 1, column: 10, message: 'version: must be one of 2, 2.1, "2", "2.1".' });
  });
});
