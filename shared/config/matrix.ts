import { YamlFloat } from './yaml-scalars';
import type { Problems } from './problems';

export interface MatrixInstance {
  values: Record<string, unknown>;
  /** Default name suffix: the values joined with `-`, in parameter order. */
  suffix: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string => (v !== null && typeof v === 'object' && !(v instanceof YamlFloat) ? JSON.stringify(v) : String(v));

/** How many combinations a `matrix:` stanza has before `exclude` (0 when it is malformed), without building them. */
export function matrixSize(matrix: unknown): number {
  if (!isMap(matrix) || !isMap(matrix.parameters)) return 0;
  return Object.values(matrix.parameters).reduce<number>((n, values) => n * (Array.isArray(values) ? values.length : 1), 1);
}

/** The combinations of a `matrix:` stanza (every product of `parameters`, minus `exclude`), in CircleCI's order. */
export function matrixInstances(matrix: unknown, owner: string, problems: Problems): MatrixInstance[] {
  if (!isMap(matrix) || !isMap(matrix.parameters)) {
    problems.add(`\`matrix\` of ${owner} needs \`parameters\`: a map of parameter names to lists of values.`, { node: matrix });
    return [];
  }
  const params = Object.entries(matrix.parameters);
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [name, values] of params) {
    const list = Array.isArray(values) ? values : [values];
    if (list.length === 0) {
      problems.add(`Matrix parameter "${name}" of ${owner} has no values.`, { node: matrix.parameters, key: name });
      return [];
    }
    combos = combos.flatMap((c) => list.map((v) => ({ ...c, [name]: v })));
  }
  const excludes = Array.isArray(matrix.exclude) ? matrix.exclude.filter(isMap) : [];
  const same = (a: Record<string, unknown>, b: Record<string, unknown>): boolean => params.every(([n]) => text(a[n]) === text(b[n]));
  for (const [i, ex] of excludes.entries()) {
    if (!combos.some((c) => same(c, ex)))
      problems.add(`Matrix \`exclude\` entry ${i + 1} of ${owner} matches no combination.`, {
        node: matrix.exclude,
        key: i,
        hint: 'Give a value for every matrix parameter, as listed under `parameters`.',
      });
  }
  return combos.filter((c) => !excludes.some((ex) => same(c, ex))).map((values) => ({ values, suffix: params.map(([n]) => text(values[n])).join('-') }));
}
