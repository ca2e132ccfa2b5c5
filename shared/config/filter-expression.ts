/**
 * Expression filters (`filters: pipeline.git.branch == "main" and not (pipeline.git.tag =~ "^v.*")`).
 * Supports CircleCI's operators: `==`, `!=`, `starts-with`, `matches /regex/` (the whole value must match; `=~`
 * with a string pattern too), `>=`, `>`, `<=`, `<`, `and`, `or`, `not`, parentheses, string/number/boolean
 * literals and pipeline values by name (`pipeline.git.branch`, ...).
 */
type Token = { kind: 'str' | 'num' | 'id' | 'op' | 'lp' | 'rp' | 're'; text: string };
const COMPARISONS = ['==', '!=', '=~', 'matches', 'starts-with', '>=', '>', '<=', '<'];

export class FilterExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterExpressionError';
  }
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?)|(==|!=|=~|>=|<=|>|<|\(|\))|([A-Za-z_][\w.-]*)|\/((?:[^/\\]|\\.)*)\/)/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new FilterExpressionError(`Unexpected input at character ${i + 1} of filter expression.`);
    i = re.lastIndex;
    if (m[1]) out.push({ kind: 'str', text: m[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[2]) out.push({ kind: 'num', text: m[2] });
    else if (m[3] === '(') out.push({ kind: 'lp', text: '(' });
    else if (m[3] === ')') out.push({ kind: 'rp', text: ')' });
    else if (m[3]) out.push({ kind: 'op', text: m[3] });
    else if (m[5] !== undefined) out.push({ kind: 're', text: m[5].replace(/\\\//g, '/') });
    else out.push({ kind: ['and', 'or', 'not', 'matches', 'starts-with'].includes(m[4]) ? 'op' : 'id', text: m[4] });
  }
  return out;
}

/** Evaluates an expression filter against pipeline values (keys like `pipeline.git.branch`). */
export function evaluateFilterExpression(src: string, values: Record<string, unknown>): boolean {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: string): boolean => peek()?.kind === 'op' && peek()?.text === t;
  const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== false && v !== '' && v !== 0;
  const primary = (): unknown => {
    const t = tokens[pos++];
    if (!t) throw new FilterExpressionError('Filter expression ends too early.');
    if (t.kind === 'lp') {
      const v = or();
      if (tokens[pos++]?.kind !== 'rp') throw new FilterExpressionError('Missing `)` in filter expression.');
      return v;
    }
    if (t.kind === 'str' || t.kind === 're') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'id') {
      if (t.text === 'true' || t.text === 'false') return t.text === 'true';
      if (t.text === 'null') return null;
      return values[t.text] ?? '';
    }
    throw new FilterExpressionError(`Unexpected \`${t.text}\` in filter expression.`);
  };
  const comparison = (): unknown => {
    const left = primary();
    const op = peek();
    if (op?.kind === 'op' && COMPARISONS.includes(op.text)) {
      pos++;
      const right = primary();
      if (op.text === '==') return String(left) === String(right);
      if (op.text === '!=') return String(left) !== String(right);
      if (op.text === 'starts-with') return String(left).startsWith(String(right));
      if (['>=', '>', '<=', '<'].includes(op.text)) {
        const [a, b] = [Number(left), Number(right)];
        if (typeof left === 'boolean' || typeof right === 'boolean' || Number.isNaN(a) || Number.isNaN(b))
          throw new FilterExpressionError(`\`${op.text}\` compares numbers; ${JSON.stringify(Number.isNaN(a) ? left : right)} is not one.`);
        return op.text === '>=' ? a >= b : op.text === '>' ? a > b : op.text === '<=' ? a <= b : a < b;
      }
      try {
        return new RegExp(`^(?:${String(right)})$`).test(String(left));
      } catch {
        throw new FilterExpressionError(`Invalid regular expression ${JSON.stringify(right)} in filter expression.`);
      }
    }
    return left;
  };
  const not = (): unknown => {
    if (isOp('not')) {
      pos++;
      return !truthy(not());
    }
    return comparison();
  };
  const and = (): unknown => {
    let v = not();
    while (isOp('and')) {
      pos++;
      const r = not();
      v = truthy(v) && truthy(r);
    }
    return v;
  };
  const or = (): unknown => {
    let v = and();
    while (isOp('or')) {
      pos++;
      const r = and();
      v = truthy(v) || truthy(r);
    }
    return v;
  };
  const result = or();
  if (pos !== tokens.length) throw new FilterExpressionError(`Unexpected \`${tokens[pos].text}\` in filter expression.`);
  return truthy(result);
}
