/** Configs `slipway plan` is tested with (text and Mermaid output): filters, `when`, approvals and a setup workflow. */

/** Tag and branch filters, an approval, and workflows gated by `when` on a pipeline value and a parameter. */
export const FILTERS_AND_WHEN = `version: 2.1
parameters:
  nightly: { type: boolean, default: false }
jobs:
  j:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo hi }]
workflows:
  build-test:
    jobs:
      - j: { name: build, filters: { tags: { only: /^v.*/ } } }
      - j: { name: test, requires: [build], filters: { tags: { only: /.*/ } } }
      - hold: { type: approval, requires: [test] }
      - j: { name: deploy, requires: [hold], filters: { branches: { only: main } } }
      - j: { name: docs, requires: [deploy] }
  release:
    when: { equal: [ main, << pipeline.git.branch >> ] }
    jobs: [{ j: { name: publish } }]
  nightly:
    when: << pipeline.parameters.nightly >>
    jobs: [{ j: { name: soak } }]
`;

/** A setup workflow that continues with `.circleci/continue.yml` through the path-filtering orb. */
export const SETUP = `version: 2.1
setup: true
orbs:
  path-filtering: circleci/path-filtering@1.0.0
workflows:
  generate:
    jobs:
      - path-filtering/filter:
          base-revision: main
          config-path: .circleci/continue.yml
          mapping: |
            api/.* run-api true
            web/.* run-web true
`;

export const CONTINUE = `version: 2.1
parameters:
  run-api: { type: boolean, default: false }
  run-web: { type: boolean, default: false }
jobs:
  j:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo hi }]
workflows:
  api:
    when: << pipeline.parameters.run-api >>
    jobs: [{ j: { name: api-test } }]
  web:
    when: << pipeline.parameters.run-web >>
    jobs: [{ j: { name: web-test } }]
`;

/** The path-filtering orb's `filter` job, as a local orb (no registry here). */
export const PATH_FILTERING_ORB = `version: 2.1
jobs:
  filter:
    parameters:
      base-revision: { type: string, default: main }
      config-path: { type: string, default: .circleci/continue_config.yml }
      mapping: { type: string, default: "" }
    docker: [{ image: cimg/python:3.12 }]
    steps: [{ run: echo filter }]
`;
