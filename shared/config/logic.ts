import type { Problems } from './problems';
import { plainScalar } from './yaml-scalars';

const truthy = (scalar: unknown): boolean => {
  const v = plainScalar(scalar);
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number' && Number.isNaN(v)) return false;
  return true;
};

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Evaluates a CircleCI logic statement (`and`, `or`, `not`, `equal`, `matches`, or a literal) once every
 * `<< >>` expression in it has been substituted. Literals are false when `false`, `null`, `0`, `NaN` or `""`.
 */
export function evaluateLogic(statement: unknown, problems: Problems, node?: unknown, key?: string | number): boolean {
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) return truthy(statement);
  const entries = Object.entries(statement as Record<string, unknown>);
  if (entries.length !== 1) {
    problems.add('A logic statement must have exactly one of `and`, `or`, `not`, `equal`, `matches`.', { node, key });
    return false;
  }
  const [op, arg] = entries[0];
  switch (op) {
    case 'and':
    case 'or': {
      if (!Array.isArray(arg)) {
        problems.add(`\`${op}\` takes a list of logic statements.`, { node: statement, key: op, hint: `Write \`${op}: [a, b]\`.` });
        return false;
      }
      const results = arg.map((s, i) => evaluateLogic(s, problems, arg, i));
      return op === 'and' ? results.every(Boolean) : results.some(Boolean);
    }
    case 'not':
      return !evaluateLogic(arg, problems, statement, op);
    case 'equal': {
      if (!Array.isArray(arg)) {
        problems.add('`equal` takes a list of values.', { node: statement, key: op, hint: 'Write `equal: [ main, << pipeline.git.branch >> ]`.' });
        return false;
      }
      return arg.every((v) => deepEqual(v, arg[0]));
    }
    case 'matches': {
      const m = arg as { pattern?: unknown; value?: unknown } | null;
      if (!m || typeof m !== 'object' || typeof m.pattern !== 'string' || m.value === undefined) {
        problems.add('`matches` takes `pattern` and `value`.', {
          node: statement,
          key: op,
          hint: 'Write `matches: { pattern: "^release/.*$", value: << pipeline.git.branch >> }`.',
        });
        return false;
      }
      try {
        return new RegExp(`^(?:${m.pattern})$`).test(m.value === null ? '' : String(m.value));
      } catch {
        problems.add(`Invalid regular expression ${JSON.stringify(m.pattern)} in \`matches\`.`, { node: arg, key: 'pattern' });
        return false;
      }
    }
    default:
      problems.add(`Unknown logic operator \`${op}\`.`, { node: statement, key: op, onKey: true, hint: 'Use one of and, or, not, equal, matches.' });
      return false;
  }
}
