// Starts the AWS API emulators once per Jest run and exports their endpoints through the SDK's own
// environment variables, so application code carries no endpoint logic (TOOLCHAIN.md).
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = async function globalSetup() {
  const { startEmulators } = tsxRequire('../../local/emulators.ts', __filename);
  const emulators = await startEmulators();
  globalThis.__SLIPWAY_EMULATORS__ = emulators;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
};
