import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLocalAgentImage, imageSize } from '../../local/agent-image';
import { describeWithEngine, docker } from '../../test/support/container-engine';

jest.setTimeout(180_000);

/** Bytes of the files under `dir` that `keep` accepts (every file by default). */
const folderBytes = (dir: string, keep: (file: string) => boolean = () => true): number =>
  readdirSync(dir).reduce(
    (n, f) => n + (statSync(join(dir, f)).isDirectory() ? folderBytes(join(dir, f), keep) : keep(f) ? statSync(join(dir, f)).size : 0),
    0,
  );
const isSourceMap = (file: string) => file.endsWith('.map');

describeWithEngine('the agent image built from the local bundle (agent/Dockerfile.local)', (engine) => {
  const bundle = mkdtempSync(join(tmpdir(), 'slipway-agent-image-'));
  let tag: string;
  beforeAll(() => {
    tag = buildLocalAgentImage(engine.env, bundle);
  });

  it("stays small: the image ≤ 150 MB, the bundle's code ≤ 5 MB (its source maps are counted in the image)", () => {
    const size = imageSize(tag, engine.env);
    process.stderr.write(
      `Agent image ${tag}: ${(size / 1e6).toFixed(1)} MB; bundle ${(folderBytes(bundle, (f) => !isSourceMap(f)) / 1e6).toFixed(1)} MB of code, ${(folderBytes(bundle) / 1e6).toFixed(1)} MB with source maps\n`,
    );
    expect(size).toBeLessThanOrEqual(150e6);
    expect(folderBytes(bundle, (f) => !isSourceMap(f))).toBeLessThanOrEqual(5e6);
  });

  it("runs the container entry with the image's Node.js and has what the agent runs: git, zstd, GNU tar", () => {
    const r = (args: string[]) => docker(engine, ['run', '--rm', '--entrypoint', '/bin/sh', tag, '-c', args.join(' ')]);
    expect(r(['node /opt/slipway/container.cjs bogus 2>&1 || true'])).toContain('Unknown agent mode "bogus"');
    expect(r(['git --version; zstd -q --version; /usr/bin/tar --version | head -1'])).toMatch(/git version .*\n.*\ntar \(GNU tar\)/);
  });
});
