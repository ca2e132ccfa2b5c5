import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// DESIGN §3: dependencies point one way. Each zone names files (target) that may not import from others (from).
const DOMAIN = ['./shared/model', './shared/config', './shared/workflow'];
const ROOTS = ['./functions', './local', './cli', './infra'];
// shared/container: the container engine client, used by the agent's docker executor and the local task compute.
const zone = (target, from, message) => ({ target, from, message });
const boundaries = [
  zone(
    DOMAIN,
    ['./shared/ports', './shared/services', './shared/adapters', ...ROOTS, './agent', './web'],
    'The domain (model, config, workflow) depends on nothing but itself.',
  ),
  zone(
    './shared/ports',
    ['./shared/services', './shared/adapters', ...ROOTS, './agent', './web'],
    'Ports are interfaces over the domain; they do not know services or adapters.',
  ),
  zone(
    './shared/services',
    ['./shared/adapters', ...ROOTS, './agent', './web'],
    'Services reach the outside world through ports; composition roots pass the adapters in.',
  ),
  zone('./shared/adapters', ['./shared/services', ...ROOTS, './agent', './web'], 'Adapters implement ports and never call services.'),
  zone(
    './agent',
    ['./shared/services', './shared/adapters', './shared/ports', './functions', './local', './infra', './web'],
    'The agent reaches the control plane only through its protocol.',
  ),
  zone(
    './functions',
    ['./shared/adapters/local', './local', './cli', './web'],
    'Lambda code ships no local adapters: functions/composition.ts wires AWS only.',
  ),
  zone('./web', ['./shared', './functions', './local', './cli', './agent', './infra'], 'The web UI knows only the HTTP API.'),
  zone(
    './infra',
    ['./shared/services', './shared/adapters', './local', './cli', './agent', './web'],
    'Infra reads handler entry paths and the grant table only.',
  ),
];

// SDK packages the Lambda functions seldom call: loaded on first use (shared/adapters/aws/lazy-sdk.ts), never
// imported for their values where a Lambda bundle would load them with the handler.
const LAZY_SDK = [
  '@aws-sdk/client-auto-scaling',
  '@aws-sdk/client-ecr',
  '@aws-sdk/client-ecs',
  '@aws-sdk/client-kms',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-sesv2',
  '@aws-sdk/client-ssm',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/lib-storage',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.slipway/**', 'web/dist/**', 'coverage/**', 'test-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  { plugins: { 'import-x': importX } },
  {
    files: ['**/*.ts', '**/*.tsx'],
    // Tests wire real adapters into services (they are composition roots of their own).
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/*.contract.ts', 'test/**'],
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: boundaries }],
      // House rule: files stay under ~300 lines and functions under ~60 (hard limits a little above).
      'max-lines': ['error', { max: 320 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    files: ['functions/**/*.ts', 'shared/adapters/aws/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: LAZY_SDK.map((name) => ({
            name,
            allowTypeImports: true,
            message: 'Lambda bundles load this package on first use: take its classes from `sdk` in shared/adapters/aws/lazy-sdk.ts (`import type` for types).',
          })),
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
  },
  { files: ['eslint.config.mjs', 'web/vite.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
