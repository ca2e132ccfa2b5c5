const fs = require('node:fs');
const path = require('node:path');

module.exports = async function globalTeardown() {
  await globalThis.__SLIPWAY_EMULATORS__?.stop();
  // The podman API service a container suite started (test/support/container-engine.ts, stopTestEngine), if any.
  const pidFile = path.join(__dirname, '..', '..', 'test-output', 'container-engine', 'service.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  fs.rmSync(pidFile, { force: true });
  try {
    if (pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
