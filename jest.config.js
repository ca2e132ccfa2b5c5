// Jest projects: unit (pure code), integration (adapters and contracts against the in-process AWS
// emulators), infra (CDK assertions) and e2e (a real `slipway dev` on a free port).
const base = {
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|@octokit|fauxqs|jose|universal-user-agent|before-after-hook|universal-github-app-jwt|content-type)/)'],
  moduleNameMapper: {
    '^@middy/core$': '<rootDir>/node_modules/@middy/core/index.js',
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
  },
  testEnvironment: 'node',
  rootDir: __dirname,
};

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  // A test's own bound; a few heavy ones (emulators under load) set longer ones next to their reason.
  testTimeout: 60000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/{shared,agent,cli,functions,local,bench}/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '\\.contract\\.test\\.ts$'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts', '<rootDir>/**/*.contract.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/web/'],
    },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/infra/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/reliability/**/*.test.ts'] },
  ],
};
