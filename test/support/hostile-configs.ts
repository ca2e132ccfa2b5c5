/**
 * Configs built to make a compiler run for ever or exhaust memory: each is small to send and enormous (or
 * endless) once expanded. Used by the limit tests, the reliability suite, the fuzz test and the bench.
 */

const DOCKER = 'docker: [{ image: cimg/base:stable }]';

/** `levels` commands, each invoking the previous one `fanOut` times: fanOut^levels steps. */
export function doublingCommands(levels = 30, fanOut = 2, leaf = '- run: echo hi'): string {
  const cmds = [`  c0:\n    steps:\n      ${leaf}`];
  for (let i = 1; i < levels; i++) cmds.push(`  c${i}:\n    steps:\n${Array.from({ length: fanOut }, () => `      - c${i - 1}`).join('\n')}`);
  return `version: 2.1\ncommands:\n${cmds.join('\n')}\njobs:\n  build:\n    ${DOCKER}\n    steps: [c${levels - 1}]\nworkflows:\n  main:\n    jobs: [build]\n`;
}

/** A matrix of `params` parameters with `values` values each: values^params jobs. */
export function wideMatrix(params = 5, values = 10): string {
  const ps = Array.from({ length: params }, (_, i) => `p${i}`);
  const list = `[${Array.from({ length: values }, (_, v) => v).join(', ')}]`;
  const decls = ps.map((p) => `      ${p}: { type: integer, default: 0 }`).join('\n');
  const matrix = ps.map((p) => `              ${p}: ${list}`).join('\n');
  return `version: 2.1\njobs:\n  build:\n    ${DOCKER}\n    parameters:\n${decls}\n    steps: [{ run: echo }]\nworkflows:\n  main:\n    jobs:\n      - build:\n          matrix:\n            parameters:\n${matrix}\n`;
}

/** Commands invoking each other in a ring of `length` (1: a command that invokes itself). */
export function commandCycle(length = 1): string {
  const cmds = Array.from({ length }, (_, i) => `  c${i}:\n    steps: [c${(i + 1) % length}]`);
  return `version: 2.1\ncommands:\n${cmds.join('\n')}\njobs:\n  build:\n    ${DOCKER}\n    steps: [c0]\nworkflows:\n  main:\n    jobs: [build]\n`;
}

/** A string parameter passed down `levels` commands, each doubling it: 2^levels copies of the text. */
export function parameterChain(levels = 40, copies = 2): string {
  const twice = Array.from({ length: copies }, () => '<< parameters.x >>').join('');
  const cmds = [`  c0:\n    parameters: { x: { type: string } }\n    steps: [{ run: "echo << parameters.x >>" }]`];
  for (let i = 1; i < levels; i++) cmds.push(`  c${i}:\n    parameters: { x: { type: string } }\n    steps: [{ c${i - 1}: { x: "${twice}" } }]`);
  return `version: 2.1\ncommands:\n${cmds.join('\n')}\njobs:\n  build:\n    ${DOCKER}\n    steps: [{ c${levels - 1}: { x: "abcdefghijklmnop" } }]\nworkflows:\n  main:\n    jobs: [build]\n`;
}

/** YAML anchors of step lists referring to each other, each list then handed to a command `copies` times. */
export function anchoredSteps(levels = 6, width = 8): string {
  const lines = [`s0: &s0 [{ run: echo hi }]`];
  for (let i = 1; i < levels; i++) lines.push(`s${i}: &s${i} [${Array.from({ length: width }, () => `*s${i - 1}`).join(', ')}]`);
  return `version: 2.1\nx-anchors:\n${lines.map((l) => `  ${l}`).join('\n')}\ncommands:\n  wrap:\n    parameters: { s: { type: steps } }\n    steps: [<< parameters.s >>, << parameters.s >>]\njobs:\n  build:\n    ${DOCKER}\n    steps:\n      - wrap: { s: *s${levels - 1} }\nworkflows:\n  main:\n    jobs: [build]\n`;
}

/** Many workflows each invoking a job `jobs` times: workflows × jobs jobs in the pipeline. */
export function manyWorkflows(workflows = 10, jobs = 1_000): string {
  const wfs = Array.from(
    { length: workflows },
    (_, w) => `  w${w}:\n    jobs:\n      - build:\n          matrix: { parameters: { n: [${Array.from({ length: jobs }, (_, i) => i).join(',')}] } }`,
  );
  return `version: 2.1\njobs:\n  build:\n    ${DOCKER}\n    parameters: { n: { type: integer, default: 0 } }\n    steps: [{ run: echo }]\nworkflows:\n${wfs.join('\n')}\n`;
}
