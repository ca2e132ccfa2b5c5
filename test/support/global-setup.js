// Starts the AWS API emulators once per Jest run and exports their endpoints through the SDK's own
// environment variables, so application code carries no endpoint logic (TOOLCHAIN.md).
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = async function globalSetup() {
  const { startEmulators, emulatorEnvironment } = tsxRequire('../../local/emulators.ts', __filename);
  const emulators = await startEmulators();
  globalThis.__SLIPWAY_EMULATORS__ = emulators;
  Object.assign(process.env, emulatorEnvironment(emulators));
};
