import { interpolate } from './interpolate';
import { budgetOf, cycleText } from './limits';
import { evaluateLogic } from './logic';
import { bindArguments, readParameterDefinitions, type ParameterDefinition } from './parameters';
import type { Problems } from './problems';
import { resolveDefinition, visibleNames, type Scope } from './scope';
import { suggestion } from './suggest';

/** A step in long form: one key (the step type) whose value is a map of its arguments. */
export type LongStep = Record<string, Record<string, unknown>>;

export const BUILTIN_STEPS: readonly string[] = [
  'run',
  'checkout',
  'save_cache',
  'restore_cache',
  'store_artifacts',
  'store_test_results',
  'persist_to_workspace',
  'attach_workspace',
  'add_ssh_keys',
  'setup_remote_docker',
  'deploy',
];

export interface StepContext {
  problems: Problems;
  /** Steps of the outermost owner, for messages. */
  owner: string;
  /** Qualified names of the commands being expanded, outermost first (to name a cycle). */
  stack?: readonly string[];
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Expands `steps` into long-form built-in steps: commands invoked, `when`/`unless` decided, short forms written out. */
export function expandSteps(steps: unknown, scope: Scope, ctx: StepContext, depth = 0): LongStep[] {
  const out: LongStep[] = [];
  if (steps === undefined || steps === null) return out;
  if (!Array.isArray(steps)) {
    ctx.problems.add(`\`steps\` of ${ctx.owner} must be a list.`, { node: steps });
    return out;
  }
  steps.forEach((step, i) => expandStep(step, steps, i, scope, ctx, depth, out));
  return out;
}

function expandStep(step: unknown, list: unknown[], index: number, scope: Scope, ctx: StepContext, depth: number, out: LongStep[]): void {
  const { problems } = ctx;
  const budget = budgetOf(problems);
  budget.visitStep({ node: list, key: index });
  if (Array.isArray(step)) {
    for (const s of expandSteps(step, scope, ctx, depth)) out.push(s);
    return;
  }
  const parts = splitStep(step, list, index, ctx);
  if (!parts) return;
  const { type, args } = parts;
  if (type === 'steps' && !resolveDefinition(scope, 'commands', 'steps')) {
    // `- steps: << parameters.x >>`: a steps parameter spliced in place, as the docs write it (empty lists too).
    for (const s of expandSteps(args, scope, ctx, depth)) out.push(s);
    return;
  }
  if (type === 'when' || type === 'unless') {
    const cond = isMap(args) ? args : {};
    if (!('condition' in cond)) {
      problems.add(`A \`${type}\` step needs \`condition\` and \`steps\`.`, { node: list, key: index });
      return;
    }
    const value = evaluateLogic(cond.condition, problems, cond, 'condition');
    if (value === (type === 'when')) for (const s of expandSteps(cond.steps, scope, ctx, depth)) out.push(s);
    return;
  }
  if (BUILTIN_STEPS.includes(type)) {
    const long = builtinArgs(type, args, list, index, ctx);
    if (long) {
      const s: LongStep = { [type === 'deploy' ? 'run' : type]: long };
      scope.map.copy(step, s);
      budget.addStep({ node: list, key: index });
      out.push(s);
    }
    return;
  }
  invokeCommand(type, args, list, index, scope, ctx, depth, out);
}

/** The step type and its arguments, from the short (`- checkout`) or long (`- run: {...}`) form; undefined (reported) if malformed. */
function splitStep(step: unknown, list: unknown[], index: number, ctx: StepContext): { type: string; args: unknown } | undefined {
  if (typeof step === 'string') return { type: step, args: {} };
  if (isMap(step)) {
    const keys = Object.keys(step);
    if (keys.length !== 1) {
      ctx.problems.add(`A step must have exactly one key (the step type), found ${keys.length ? keys.map((k) => `\`${k}\``).join(', ') : 'none'}.`, {
        node: list,
        key: index,
        hint: "Indent the step's arguments under its type, e.g. `- run:\\n    name: x\\n    command: y`.",
      });
      return undefined;
    }
    return { type: keys[0], args: step[keys[0]] };
  }
  ctx.problems.add(`Invalid step ${JSON.stringify(step)} in ${ctx.owner}.`, { node: list, key: index });
  return undefined;
}

/** A step naming a command: its arguments bound, its body interpolated and expanded (cycles and depth checked). */
function invokeCommand(type: string, args: unknown, list: unknown[], index: number, scope: Scope, ctx: StepContext, depth: number, out: LongStep[]): void {
  const { problems } = ctx;
  const budget = budgetOf(problems);
  const def = resolveDefinition(scope, 'commands', type);
  if (!def) {
    problems.add(`Unknown step or command "${type}" in ${ctx.owner}.`, {
      node: list,
      key: index,
      hint: suggestion(type, [...BUILTIN_STEPS, ...visibleNames(scope, 'commands')], 'commands'),
    });
    return;
  }
  const stack = ctx.stack ?? [];
  if (stack.includes(def.qualified)) {
    problems.add(`Command "${def.qualified}" invokes itself: ${cycleText(stack, def.qualified)}.`, {
      node: list,
      key: index,
      code: 'limit',
      hint: 'A command may not invoke itself, directly or through other commands; break the cycle.',
    });
    return;
  }
  if (depth >= budget.limits.maxCommandDepth)
    budget.exceed(
      'maxCommandDepth',
      `Commands are nested more than ${budget.limits.maxCommandDepth} levels deep at "${type}"`,
      { node: list, key: index },
      'Flatten the chain of commands invoking commands.',
    );
  const owner = `command "${def.qualified}"`;
  const defs = readParameterDefinitions(def.body.parameters, owner, problems);
  const given = args === null || args === undefined ? {} : args;
  if (!isMap(given)) {
    problems.add(`Arguments of ${owner} must be a map.`, { node: list, key: index });
    return;
  }
  const bound = bindArguments(defs, given, owner, problems, given === args ? args : list, [], (d: ParameterDefinition, v: unknown) =>
    d.type === 'steps' ? expandSteps(v, scope, { ...ctx }, depth + 1) : v,
  );
  const body = interpolate(def.body.steps, { parameters: bound, owner }, problems, def.scope.map);
  for (const s of expandSteps(body, def.scope, { problems, owner, stack: [...stack, def.qualified] }, depth + 1)) out.push(s);
}

function builtinArgs(type: string, args: unknown, list: unknown[], index: number, ctx: StepContext): Record<string, unknown> | undefined {
  if (type === 'run' || type === 'deploy') {
    if (typeof args === 'string') return { command: args };
    if (isMap(args) && typeof args.command === 'string') return args;
    ctx.problems.add(`A \`run\` step needs a \`command\`.`, {
      node: isMap(args) ? args : list,
      key: isMap(args) ? undefined : index,
      hint: 'Write `- run: make test` or `- run: { name: Test, command: make test }`.',
    });
    return undefined;
  }
  if (args === null || args === undefined || args === '') return {};
  if (!isMap(args)) {
    ctx.problems.add(`Arguments of the \`${type}\` step must be a map.`, { node: list, key: index });
    return undefined;
  }
  return args;
}
