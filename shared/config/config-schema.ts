/**
 * JSON schema of a CircleCI 2.0/2.1 config before expansion. Values may still be `<< ... >>` expressions, so
 * wherever a parameter can stand in, a string is accepted too. Unknown top-level keys are holders for anchors.
 */
const str = { type: 'string' };
const strOrList = { anyOf: [str, { type: 'array', items: { type: ['string', 'number', 'boolean'] } }] };
const env = { anyOf: [{ type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } }, { type: 'array' }, str] };
const intOrExpr = { anyOf: [{ type: 'integer', minimum: 1 }, str] };
const step = {
  anyOf: [str, { type: 'array' }, { type: 'object', minProperties: 1, maxProperties: 1 }],
  errorMessage: 'a step is a name (`checkout`) or a map with one key (`run: ...`)',
};
const steps = { anyOf: [{ type: 'array', items: step }, str] };
const parameters = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['type'],
    properties: {
      type: { enum: ['string', 'boolean', 'integer', 'enum', 'executor', 'steps', 'env_var_name'] },
      enum: { type: 'array' },
    },
  },
};
const dockerImage = {
  anyOf: [
    {
      type: 'object',
      required: ['image'],
      properties: {
        image: str,
        name: str,
        entrypoint: strOrList,
        command: strOrList,
        user: str,
        environment: env,
        auth: { type: 'object' },
        aws_auth: { type: 'object' },
      },
    },
    str,
  ],
};
const executorKeys = {
  docker: { anyOf: [{ type: 'array', minItems: 1, items: dockerImage }, str] },
  machine: { anyOf: [{ type: 'boolean' }, { type: 'object' }, str] },
  macos: { anyOf: [{ type: 'object' }, str] },
  windows: { anyOf: [{ type: 'object' }, str] },
  resource_class: { type: ['string', 'number'] },
  shell: str,
  working_directory: str,
  environment: env,
};
const job = {
  type: 'object',
  properties: {
    ...executorKeys,
    executor: { anyOf: [str, { type: 'object', required: ['name'], properties: { name: str } }] },
    parameters,
    steps,
    parallelism: intOrExpr,
    description: str,
  },
};
const workflowJob = {
  anyOf: [
    str,
    {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        anyOf: [
          { type: 'null' },
          {
            type: 'object',
            properties: {
              requires: { anyOf: [{ type: 'array' }, str] },
              name: { type: ['string', 'number'] },
              context: strOrList,
              type: { anyOf: [{ enum: ['approval', 'build', 'no-op', 'release', 'lock', 'unlock'] }, str] },
              filters: { anyOf: [str, { type: 'object', properties: { branches: { type: 'object' }, tags: { type: 'object' } } }] },
              matrix: { type: 'object', required: ['parameters'], properties: { parameters: { type: 'object' }, exclude: { type: 'array' }, alias: str } },
              'pre-steps': steps,
              'post-steps': steps,
            },
          },
        ],
      },
    },
  ],
};
const workflow = {
  type: 'object',
  properties: {
    jobs: { type: 'array', items: workflowJob },
    triggers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['schedule'],
        properties: { schedule: { type: 'object', required: ['cron'], properties: { cron: str, filters: { type: 'object' } } } },
      },
    },
  },
};

export const configSchema = {
  type: 'object',
  required: ['version'],
  properties: {
    version: { enum: [2, 2.1, '2', '2.1'] },
    setup: { type: ['boolean', 'string'] },
    orbs: { anyOf: [{ type: 'object', additionalProperties: { anyOf: [str, { type: 'object' }] } }, { type: 'null' }] },
    commands: { type: 'object', additionalProperties: { type: 'object', required: ['steps'], properties: { steps, parameters, description: str } } },
    executors: { type: 'object', additionalProperties: { type: 'object', properties: { ...executorKeys, parameters } } },
    jobs: { type: 'object', additionalProperties: job },
    workflows: {
      type: 'object',
      properties: { version: { type: ['number', 'string'] } },
      additionalProperties: { anyOf: [workflow, { type: ['number', 'string'] }] },
    },
    parameters,
  },
} as const;
