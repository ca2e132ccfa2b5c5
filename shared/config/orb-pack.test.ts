import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DirectoryOrbResolver } from '../adapters/local/directory-orb-resolver';
import { compileConfig } from './compile';
import { OrbPackError, packOrb } from './orb-pack';

function orbSource(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'orb-src-'));
  mkdirSync(path.join(dir, 'commands'));
  mkdirSync(path.join(dir, 'jobs'));
  mkdirSync(path.join(dir, 'scripts'));
  writeFileSync(path.join(dir, '@orb.yml'), 'version: 2.1\ndescription: test orb\n');
  writeFileSync(path.join(dir, 'scripts/hello.sh'), 'echo "hello $1"\n');
  writeFileSync(path.join(dir, 'commands/hello.yml'), 'steps:\n  - run:\n      name: Hello\n      command: <<include(scripts/hello.sh)>>\n');
  writeFileSync(path.join(dir, 'jobs/greet.yml'), 'docker: [{image: cimg/base:stable}]\nsteps: [hello]\n');
  return dir;
}

describe('packOrb', () => {
  it('packs @orb.yml and one file per element, inlining <<include(path)>>', () => {
    const orb = parse(packOrb(orbSource()));
    expect(orb).toEqual({
      version: 2.1,
      description: 'test orb',
      commands: { hello: { steps: [{ run: { name: 'Hello', command: 'echo "hello $1"\n' } }] } },
      jobs: { greet: { docker: [{ image: 'cimg/base:stable' }], steps: ['hello'] } },
    });
  });

  it('fails clearly for a missing include or a folder without @orb.yml', () => {
    const dir = orbSource();
    writeFileSync(path.join(dir, 'commands/broken.yml'), 'steps:\n  - run: <<include(scripts/nope.sh)>>\n');
    expect(() => packOrb(dir)).toThrow(new OrbPackError('commands/broken.yml: included file scripts/nope.sh does not exist.'));
    expect(() => packOrb(tmpdir())).toThrow(OrbPackError);
  });
});

describe('DirectoryOrbResolver', () => {
  it('serves packed orbs and orb sources by ns/name@version and ns/name', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'orbs-'));
    mkdirSync(path.join(root, 'acme/tools@1.0.0'), { recursive: true });
    writeFileSync(path.join(root, 'acme/tools@1.0.0/orb.yml'), packOrb(orbSource()));
    const resolver = new DirectoryOrbResolver(root);
    expect(await resolver.resolve({ namespace: 'acme', name: 'tools', version: '1.0.0' })).toContain('hello');
    expect(await resolver.resolve({ namespace: 'acme', name: 'tools', version: '2.0.0' })).toBeUndefined();
    const src = orbSource();
    const any = new DirectoryOrbResolver(path.dirname(path.dirname(src)));
    expect(await any.resolve({ namespace: path.basename(path.dirname(src)), name: path.basename(src), version: 'x' })).toContain('Hello');
    const config = 'version: 2.1\norbs:\n  tools: acme/tools@1.0.0\nworkflows:\n  w:\n    jobs: [tools/greet]\n';
    const r = await compileConfig(config, { orbResolver: resolver });
    expect(r.ok && r.plan.workflows[0].jobs[0].steps.map((s) => s.name)).toEqual(['Hello']);
  });
});
