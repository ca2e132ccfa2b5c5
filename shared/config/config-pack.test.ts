import path from 'node:path';
import { compileConfig } from './compile';
import { ConfigPackError, packConfigDir, packConfigFiles } from './config-pack';
import { parseYaml } from './yaml-parse';

const folder = path.resolve(__dirname, 'fixtures/config-folder');

describe('packConfigDir', () => {
  it('puts each file under its folder and file names and merges root files at the top', () => {
    const { value, yaml } = packConfigDir(folder);
    expect(value).toEqual({
      version: 2.1,
      executors: { base: { docker: [{ image: 'cimg/base:2024.01' }] } },
      commands: { greet: { parameters: { to: { type: 'string', default: 'on' } }, steps: [{ run: 'echo hello << parameters.to >>' }] } },
      jobs: {
        build: { executor: 'base', steps: ['checkout', { greet: { to: 'world' } }, { persist_to_workspace: { root: '.', paths: ['dist'] } }] },
        test: { executor: 'base', steps: [{ attach_workspace: { at: '.' } }, { run: 'ls dist' }] },
      },
      workflows: { main: { jobs: ['build', { test: { requires: ['build'] } }] } },
      // A folder without YAML files still names a key, as `circleci config pack` writes it; dot folders are left out.
      scripts: {},
    });
    // The YAML reads back to the same values under CircleCI's YAML 1.1 rules (the string "on" stays a string).
    expect(parseYaml(yaml, 'packed.yml').value).toEqual(value);
  });

  it('packs a folder the compiler accepts', async () => {
    const result = await compileConfig(packConfigDir(folder).yaml, { fileName: 'packed.yml' });
    expect(result.ok ? result.plan.workflows.map((w) => w.jobs.map((j) => j.name)) : result.problems).toEqual([['build', 'test']]);
  });

  it('reports a missing folder and a file instead of a folder', () => {
    expect(() => packConfigDir(path.join(folder, 'nope'))).toThrow(/does not exist/);
    expect(() => packConfigDir(path.join(folder, '@config.yml'))).toThrow(/is not a folder/);
  });
});

describe('packConfigFiles', () => {
  it('merges @-named files at their own folder level and a file beside a same-named folder', () => {
    const { value } = packConfigFiles([
      { path: 'jobs/@shared.yml', text: 'lint: {docker: [{image: a}]}' },
      { path: 'jobs/build.yml', text: 'docker: [{image: b}]' },
      { path: 'workflows.yml', text: 'workflows: {w: {jobs: [build]}}' },
      { path: 'jobs/deploy.yml', text: 'docker: [{image: c}]' },
      { path: 'jobs/deploy/steps.yml', text: 'x: 1' },
      { path: 'orbs.yml', text: 'y: 2' },
      { path: 'README.md', text: '# not packed' },
      { path: 'jobs/.draft.yml', text: 'nope: {}' },
    ]);
    expect(value).toEqual({
      jobs: { lint: { docker: [{ image: 'a' }] }, build: { docker: [{ image: 'b' }] }, deploy: { steps: { x: 1 }, docker: [{ image: 'c' }] } },
      workflows: { w: { jobs: ['build'] } },
      y: 2,
    });
  });

  it('lets a later sibling win, shallowly, in name order', () => {
    const { value } = packConfigFiles([
      { path: 'b.yml', text: 'jobs: {b: {}}' },
      { path: 'a.yml', text: 'jobs: {a: {}}\nversion: 2' },
    ]);
    expect(value).toEqual({ jobs: { b: {} }, version: 2 });
  });

  it('keeps strings that YAML 1.1 would read as other types quoted in the text', () => {
    const { yaml } = packConfigFiles([{ path: '@c.yml', text: 'a: "yes"\nb: .\nc: "1:20"\nd: "0755"\ne: "y"' }]);
    expect(parseYaml(yaml, 'packed.yml').value).toEqual({ a: 'yes', b: '.', c: '1:20', d: '0755', e: 'y' });
  });

  it.each([
    [[{ path: 'jobs/build.yml', text: '- a\n- b' }], 'jobs/build.yml: expected a map, got a list'],
    [[{ path: 'jobs/build.yml', text: 'hello' }], 'jobs/build.yml: expected a map, got the string "hello"'],
    [[{ path: 'jobs/build.yml', text: 'a: [1' }], 'jobs/build.yml:1:'],
    [[{ path: 'README.md', text: 'x' }], 'holds no .yml or .yaml file'],
    [[{ path: '../x.yml', text: 'a: 1' }], 'may not contain ".."'],
  ])('rejects %j with a clear error', (entries, message) => {
    expect(() => packConfigFiles(entries)).toThrow(ConfigPackError);
    expect(() => packConfigFiles(entries)).toThrow(message);
  });
});
