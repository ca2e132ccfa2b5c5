// Starts the AWS API emulators once per Jest run and exports their endpoints through the SDK's own
// environment variables, so application code carries no endpoint logic (TOOLCHAIN.md). Turns on IAM
// enforcement from the synthesized template (synthesized once per change of the CDK app, cached in
// test-output/): every AWS call a function makes in `slipway dev` is checked against that function's role.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = async function globalSetup() {
  const { startEmulators, emulatorEnvironment } = tsxRequire('../../local/emulators.ts', __filename);
  const { ensureIamTemplate } = tsxRequire('./iam-template.ts', __filename);
  const emulators = await startEmulators();
  globalThis.__SLIPWAY_EMULATORS__ = emulators;
  Object.assign(process.env, emulatorEnvironment(emulators));
  if (process.env.SLIPWAY_IAM_ENFORCE !== '0') {
    Object.assign(process.env, {
      SLIPWAY_IAM_ENFORCE: '1',
      SLIPWAY_IAM_TEMPLATE: ensureIamTemplate(),
      SLIPWAY_IAM_DENIALS_FILE: require('node:path').join(__dirname, '..', '..', 'test-output', `iam-denials-${process.pid}.log`),
    });
  }
};
