#!/usr/bin/env node
'use strict';
// Bundles the agent into a self-contained folder (default dist/agent/, `--outdir <dir>` to change), the layout of
// /opt/slipway in the agent image (agent/Dockerfile), which EC2 machine runners copy out of the image:
//   agent.cjs      the agent (task mode, the in-job `circleci` command)
//   container.cjs  the image's entry: prepares the shared volume on Fargate (installs the shim), then the agent
//   slipway.cjs    the `slipway runner` CLI (runner mode on EC2 machines and self-hosted hosts)
//   shim.sh        the POSIX sh step shim for the primary container
//   bin/slipway    runs slipway.cjs with the Node.js beside it (`node`, copied in by the image) or on PATH
// Everything, AWS SDK included, is bundled: the folder needs nothing but Node.js 20 or later.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const outdirArg = args.indexOf('--outdir');
const outdir = path.resolve(outdirArg >= 0 ? args[outdirArg + 1] : path.join(root, 'dist', 'agent'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'error',
  metafile: true,
  // Only the sources' fallback (building the agent when no bundle is beside the CLI) imports esbuild.
  // ssh2's optional native addons stay out (it falls back to its JavaScript crypto).
  external: ['esbuild', '*.node'],
};

// container.cjs loads the agent from agent.cjs at run time instead of bundling it twice: as a module required by
// the entry, the agent does not start itself.
const agentFromBundle = {
  name: 'agent-from-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/main$/ }, (a) =>
      a.importer.endsWith(path.join('container', 'entry.ts')) ? { path: './agent.cjs', external: true } : undefined,
    );
  },
};

const RUNNER_ENTRY = `require('./cli/commands/runner').runnerCli(process.argv).catch((e) => {
  process.stderr.write('slipway: ' + (e && e.message ? e.message : e) + '\\n');
  process.exit(1);
});`;

const WRAPPER = `#!/bin/sh
# The Slipway runner CLI; uses the Node.js shipped beside it when there is one (the agent image's /opt/slipway).
here=$(dirname "$(readlink -f "$0")")/..
node="$here/node"
[ -x "$node" ] || node=node
exec "$node" --enable-source-maps "$here/slipway.cjs" "$@"
`;

async function main() {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outdir, 'bin'), { recursive: true });
  const results = await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(root, 'agent', 'main.ts')], outfile: path.join(outdir, 'agent.cjs') }),
    esbuild.build({
      ...common,
      entryPoints: [path.join(root, 'agent', 'container', 'entry.ts')],
      outfile: path.join(outdir, 'container.cjs'),
      plugins: [agentFromBundle],
    }),
    esbuild.build({
      ...common,
      stdin: { contents: RUNNER_ENTRY, resolveDir: root, sourcefile: 'slipway-runner.js', loader: 'js' },
      outfile: path.join(outdir, 'slipway.cjs'),
    }),
  ]);
  fs.copyFileSync(path.join(root, 'agent', 'container', 'shim.sh'), path.join(outdir, 'shim.sh'));
  fs.writeFileSync(path.join(outdir, 'bin', 'slipway'), WRAPPER, { mode: 0o755 });
  // The source folders the bundles read (agent/Dockerfile copies exactly these into its build stage).
  const sources = new Set(
    results
      .flatMap((r) => Object.keys(r.metafile.inputs))
      .filter((p) => p.includes('/'))
      .map((p) => p.split('/')[0])
      .filter((d) => d !== 'node_modules'),
  );
  fs.writeFileSync(path.join(outdir, 'sources.json'), JSON.stringify([...sources].sort()));
  const size = (f) => `${(fs.statSync(path.join(outdir, f)).size / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `Agent bundled into ${path.relative(process.cwd(), outdir) || '.'}: agent.cjs ${size('agent.cjs')}, container.cjs ${size('container.cjs')}, slipway.cjs ${size('slipway.cjs')}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`build-agent: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
