#!/usr/bin/env node
'use strict';
// The `slipway` command. It bundles the TypeScript CLI once with esbuild (so ESM-only dependencies such as
// middy load as they do in the Lambda bundles) and runs it. `dev` needs Node's OpenSSL legacy provider for
// the S3 emulator, which Node only loads at start-up: such commands re-run Node with the flag.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const needsLegacy = ['dev', 'bench', 'run'].includes(args[0]);
const hasLegacy = process.execArgv.includes('--openssl-legacy-provider') || /--openssl-legacy-provider/.test(process.env.NODE_OPTIONS || '');

if (needsLegacy && !hasLegacy) {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--enable-source-maps', __filename, ...args], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const outfile = path.join(root, 'node_modules', '.cache', 'slipway', 'cli.cjs');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // Bundle the ESM-only packages; leave every other dependency to Node's resolver.
  const inline = (name) => name.startsWith('@middy/') || name.startsWith('@octokit/') || name === 'log-update';
  const external = [...Object.keys(pkg.dependencies || {}), ...Object.keys(pkg.devDependencies || {})].filter((n) => !inline(n));
  // The config compile worker runs from its own bundle beside the CLI's (shared/adapters/compile).
  const worker = path.join(path.dirname(outfile), 'config-compile-worker.cjs');
  const bundles = [
    [path.join(root, 'cli', 'main.ts'), outfile],
    [path.join(root, 'shared', 'adapters', 'compile', 'config-compile-worker.ts'), worker],
  ];
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  for (const [entry, out] of bundles) {
    const result = require('esbuild').buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: out,
      external,
      sourcemap: 'inline',
      logLevel: 'error',
      write: false,
    });
    // Write then rename: concurrent invocations never read a half-written bundle.
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, result.outputFiles[0].contents);
    fs.renameSync(tmp, out);
  }
  // Nothing run by this command sends traces (Powertools traces only inside Lambda, whose functions load their
  // own bundles): the X-Ray SDK's automatic mode, an async hook run for every promise and socket of the process
  // (the local runtime's handlers, emulators and requests), stays off.
  process.env.AWS_XRAY_MANUAL_MODE ??= '1';
  require(outfile)
    .run(process.argv)
    .catch((e) => {
      process.stderr.write(`slipway: ${e && e.message ? e.message : e}\n`);
      process.exit(1);
    });
}
