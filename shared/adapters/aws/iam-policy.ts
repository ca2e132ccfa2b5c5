/**
 * IAM identity-policy evaluation as AWS documents it, for the statements CloudFormation templates hold: an
 * explicit Deny wins, else any Allow, else an implicit deny. Supports Action/NotAction, Resource/NotResource with
 * `*` and `?` wildcards (actions match case-insensitively), and the condition operators Slipway's policies use:
 * String(Not)Equals, String(Not)Like, ArnEquals/ArnLike/ArnNotEquals/ArnNotLike, Bool, Null, each with the
 * `ForAnyValue:`/`ForAllValues:` set qualifiers. A condition key the request does not carry fails a positive
 * operator and satisfies a negated one, as in AWS.
 */

export type ConditionValues = Readonly<Record<string, string | readonly string[]>>;

/** One statement with every intrinsic already resolved to strings. */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>>>;
}

/** What is asked: one action on one resource, with the request's condition keys. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: ConditionValues;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);

const patternCache = new Map<string, RegExp>();
/** IAM wildcard match: `*` any run of characters, `?` one character; actions are case-insensitive. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patternCache.get(cacheKey);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    patternCache.set(cacheKey, re);
  }
  return re.test(value);
}

function matchesAny(patterns: string[], value: string, ignoreCase = false): boolean {
  return patterns.some((p) => wildcardMatch(p, value, ignoreCase));
}

type Compare = (expected: string, actual: string) => boolean;
const OPERATORS: Record<string, { compare: Compare; negated: boolean }> = {
  StringEquals: { compare: (e, a) => e === a, negated: false },
  StringNotEquals: { compare: (e, a) => e === a, negated: true },
  StringEqualsIgnoreCase: { compare: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: false },
  StringLike: { compare: (e, a) => wildcardMatch(e, a), negated: false },
  StringNotLike: { compare: (e, a) => wildcardMatch(e, a), negated: true },
  ArnEquals: { compare: (e, a) => wildcardMatch(e, a), negated: false },
  ArnLike: { compare: (e, a) => wildcardMatch(e, a), negated: false },
  ArnNotEquals: { compare: (e, a) => wildcardMatch(e, a), negated: true },
  ArnNotLike: { compare: (e, a) => wildcardMatch(e, a), negated: true },
  Bool: { compare: (e, a) => e.toLowerCase() === a.toLowerCase(), negated: false },
};

/** Condition keys are case-insensitive; values of the request are looked up that way. */
function contextValues(context: ConditionValues | undefined, key: string): string[] | undefined {
  if (!context) return undefined;
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : list(context[found]);
}

function conditionHolds(operator: string, key: string, expected: string[], context: ConditionValues | undefined): boolean {
  const [qualifier, base] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const ifExists = base.endsWith('IfExists');
  const name = ifExists ? base.slice(0, -'IfExists'.length) : base;
  const actual = contextValues(context, key);
  if (name === 'Null') return expected.some((e) => (e.toLowerCase() === 'true') === (actual === undefined || actual.length === 0));
  const op = OPERATORS[name];
  if (!op) throw new UnsupportedConditionError(operator);
  if (actual === undefined || actual.length === 0) return ifExists || op.negated || qualifier === 'ForAllValues';
  const one = (a: string) => (op.negated ? !expected.some((e) => op.compare(e, a)) : expected.some((e) => op.compare(e, a)));
  if (qualifier === 'ForAllValues') return actual.every(one);
  if (qualifier === 'ForAnyValue') return actual.some(one);
  return op.negated ? actual.every(one) : actual.some(one);
}

/** A condition operator this evaluator does not know: refusing beats guessing in a security check. */
export class UnsupportedConditionError extends Error {
  constructor(readonly operator: string) {
    super(`IAM condition operator ${operator} is not supported by the local policy evaluator; add it to OPERATORS in iam-policy.ts.`);
    this.name = 'UnsupportedConditionError';
  }
}

function statementApplies(s: PolicyStatementJson, request: IamRequest): boolean {
  const actionOk = s.Action !== undefined ? matchesAny(list(s.Action), request.action, true) : !matchesAny(list(s.NotAction), request.action, true);
  if (!actionOk) return false;
  const resourceOk = s.Resource !== undefined ? matchesAny(list(s.Resource), request.resource) : !matchesAny(list(s.NotResource), request.resource);
  if (!resourceOk) return false;
  for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(values).map(String), request.context)) return false;
    }
  }
  return true;
}

/** Evaluates one request against a principal's identity-based statements. */
export function evaluatePolicy(statements: readonly PolicyStatementJson[], request: IamRequest): Decision {
  let allowed = false;
  for (const s of statements) {
    if (!statementApplies(s, request)) continue;
    if (s.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
