import { compileConfig } from './compile';
import type { Plan } from './plan';
import { processConfig } from './process-config';
import { parseYaml } from './yaml-parse';

const docker = 'docker: [{image: cimg/base:stable}]';

async function plan(source: string): Promise<Plan> {
  const r = await compileConfig(source, { fileName: 'config.yml' });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return r.plan;
}

async function problems(source: string): Promise<string[]> {
  const r = await compileConfig(source, { fileName: 'config.yml' });
  return r.ok ? [] : r.problems.map((p) => `${p.line}: ${p.message}`);
}

async function processed(source: string): Promise<{ jobs: Record<string, unknown>; workflows: Record<string, { jobs: unknown[] }> }> {
  const r = await processConfig(source, { fileName: 'config.yml' });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return parseYaml(r.yaml, 'out.yml').value as never;
}

const TYPES = `version: 2.1
jobs:
  build: {${docker}, steps: [checkout]}
  coordinator:
    type: no-op
  release-my-service:
    type: release
    plan_name: my-service
    validation: {enabled: true, evaluation_time: 30m}
  take: {type: lock, key: deploy-prod}
  give: {type: unlock, key: deploy-prod, steps: [{run: ignored}]}
  hold: {type: approval}
workflows:
  main:
    jobs:
      - build
      - coordinator: {requires: [build]}
      - hold: {requires: [coordinator]}
      - take: {requires: [hold]}
      - release-my-service: {requires: [take]}
      - give: {requires: [{release-my-service: [success, failed, canceled, not_run]}]}
`;

describe('job types (configuration reference, `type`)', () => {
  it('compiles no-op, release, lock, unlock and approval jobs defined under `jobs:` without an executor or steps', async () => {
    const jobs = Object.fromEntries((await plan(TYPES)).workflows[0].jobs.map((j) => [j.name, j]));
    expect(Object.fromEntries(Object.entries(jobs).map(([n, j]) => [n, j.type]))).toEqual({
      build: 'build',
      coordinator: 'no-op',
      hold: 'approval',
      take: 'lock',
      'release-my-service': 'release',
      give: 'unlock',
    });
    expect(jobs.coordinator.steps).toEqual([]);
    expect(jobs.coordinator.executor.images).toEqual([]);
    expect(jobs['release-my-service'].releasePlan).toBe('my-service');
    expect(jobs.take.serialGroup).toBe('deploy-prod');
    expect(jobs.give.unlocks).toBe('deploy-prod');
    expect(jobs.give.steps).toEqual([]);
    expect(jobs.give.requires).toEqual([{ job: 'release-my-service', statuses: ['success', 'failed', 'canceled', 'not_run'] }]);
  });

  it('prints them as their type and keys in the processed config, and the processed config compiles to the same', async () => {
    const out = await processed(TYPES);
    expect(out.jobs).toMatchObject({
      coordinator: { type: 'no-op' },
      'release-my-service': { type: 'release', plan_name: 'my-service', validation: { enabled: true, evaluation_time: '30m' } },
      take: { type: 'lock', key: 'deploy-prod' },
      give: { type: 'unlock', key: 'deploy-prod' },
    });
    expect(out.jobs.give).toEqual({ type: 'unlock', key: 'deploy-prod' });
    expect(out.jobs.hold).toBeUndefined();
    expect(out.workflows.main.jobs).toContainEqual({ hold: { type: 'approval', requires: ['coordinator'] } });
    const again = await processConfig(((await processConfig(TYPES, { fileName: 'a.yml' })) as { yaml: string }).yaml, { fileName: 'b.yml' });
    expect(again.ok && parseYaml(again.yaml, 'x').value).toEqual(out);
  });

  it('takes arguments in the keys of a release job', async () => {
    const p = await plan(`version: 2.1
jobs:
  release:
    type: release
    parameters: {service: {type: string}}
    plan_name: << parameters.service >>-release
workflows: {main: {jobs: [{release: {service: api}}]}}
`);
    expect(p.workflows[0].jobs[0].releasePlan).toBe('api-release');
  });

  it('rejects a release job without `plan_name`, a lock without `key`, and an unknown type, each where it is', async () => {
    expect(
      await problems(`version: 2.1
jobs:
  r: {type: release}
  l: {type: lock}
  x: {type: deploy, ${docker}, steps: [checkout]}
workflows: {main: {jobs: [r, l, x]}}
`),
    ).toEqual([
      '3: job "r" of type `release` needs `plan_name` (a non-empty string).',
      '4: job "l" of type `lock` needs `key` (a non-empty string).',
      '5: Job "x" has an unknown `type` "deploy".',
    ]);
  });

  it('says that job groups are not supported where `job-groups` is, and what to write instead', async () => {
    const r = await compileConfig(
      `version: 2.1
jobs: {build: {${docker}, steps: [checkout]}}
job-groups:
  release: {jobs: [build]}
workflows: {main: {jobs: [release]}}
`,
      { fileName: 'config.yml' },
    );
    expect(r.ok ? [] : r.problems.map((p) => [p.line, p.message, p.hint])).toContainEqual([
      3,
      '`job-groups` (CircleCI job groups) are not supported by Slipway yet.',
      expect.stringContaining('`type: lock`'),
    ]);
  });

  it('accepts only `approval` as the type of a workflow job entry, as the reference says', async () => {
    expect(
      await problems(`version: 2.1
jobs: {build: {${docker}, steps: [checkout]}}
workflows: {main: {jobs: [{build: {type: no-op}}]}}
`),
    ).toEqual(['3: A workflow job entry can only set `type: approval`; got `type: no-op`.']);
  });
});

const ORB = `version: 2.1
orbs:
  my-orb:
    jobs:
      my-test: {${docker}, resource_class: large, parameters: {suite: {type: string, default: all}}, steps: [{run: orb test << parameters.suite >>}]}
jobs:
  build: {${docker}, steps: [{run: task build}]}
  test: {${docker}, steps: [{run: task test}]}
`;

describe('override-with (configuration reference)', () => {
  it('runs the orb job in place of the entry’s own job, under the entry’s name, with the entry’s arguments', async () => {
    const out = await processed(`${ORB}workflows:
  main:
    jobs:
      - build
      - test: {override-with: my-orb/my-test, requires: [build], suite: unit}
`);
    expect(out.jobs.test).toMatchObject({ resource_class: 'large', steps: [{ run: { command: 'orb test unit' } }] });
    expect(out.workflows.main.jobs).toEqual(['build', { test: { requires: ['build'] } }]);
  });

  it('keeps the entry’s own job when the orb does not define the named job', async () => {
    const out = await processed(`${ORB}workflows: {main: {jobs: [{test: {override-with: my-orb/other}}]}}\n`);
    expect(out.jobs.test).toMatchObject({ steps: [{ run: { command: 'task test' } }] });
  });

  it('rejects an override that names no imported orb', async () => {
    expect(await problems(`${ORB}workflows: {main: {jobs: [{test: {override-with: other-orb/my-test}}]}}\n`)).toEqual([
      '9: `override-with` must name an orb job (`orb/job`) of an imported orb; got "other-orb/my-test".',
    ]);
  });
});
