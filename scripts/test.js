#!/usr/bin/env node
// Runs the whole Jest suite (every project) and ends with the plain line `N passed, N failed`.
// s3rver needs the OpenSSL legacy provider, which Node only loads at start-up, hence the child process.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test-output', `jest-results-${process.pid}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.rmSync(out, { force: true });
const env = {
  ...process.env,
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' '),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
// --forceExit: a handle left open by a failing test must not keep CI waiting after the results are in.
const args = [require.resolve('jest/bin/jest'), '--json', `--outputFile=${out}`, '--forceExit', ...process.argv.slice(2)];
const res = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
} catch {
  failed = failed || 1;
}
fs.rmSync(out, { force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(res.status === 0 && failed === 0 ? 0 : 1);
