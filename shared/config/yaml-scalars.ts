import { stringify, type ScalarTag } from 'yaml';

/**
 * How a plain (unquoted) scalar is read: the YAML 1.1 implicit types exactly as CircleCI's compiler reads them
 * (SnakeYAML's `Resolver`, tried in this order; the first pattern matching the whole scalar decides).
 *
 * | type  | forms (SnakeYAML pattern)                                   | examples                                         |
 * |-------|-------------------------------------------------------------|--------------------------------------------------|
 * | bool  | yes/no/true/false/on/off in lower, Capitalised or UPPER case | `yes` `On` `FALSE` → boolean; `y` `n` `tRUE` stay strings |
 * | int   | decimal with `_` separators, `0b` binary, leading-zero octal, `0x` hex, sexagesimal `1:20` | `1_000` → 1000, `0755` → 493, `0x1F` → 31, `1:20` → 80 |
 * | float | digits with an optional `.fraction` and exponent, `.5`, sexagesimal `1:20.5`, `.inf` `-.Inf` `.nan` | `2.1`, `1.`, `1e3` → 1000, `.inf` → Infinity |
 * | null  | `~`, `null`, `Null`, `NULL`, or nothing at all              | `key:` → null                                    |
 * | str   | everything else                                             | `.` `..` `-` `._` `1.2.3` `8080:80` `0o17` `2024-01-01` `NaN` |
 *
 * A float needs a digit (`.`, `-.` and `._` are strings). `0o` octal is a YAML 1.2 form SnakeYAML does not
 * know: `0o17` is a string. Timestamps (`2024-01-01`) stay strings as written. Like SnakeYAML, booleans and nulls
 * are only recognised under 10 characters and numbers under 100. Quoted and block scalars are always strings.
 * A scalar an int or float pattern accepts but that holds no digit (`0x_`, `-_`) is an error, as in SnakeYAML.
 * `08` and `09` are not octal: they read as the floats 8.0 and 9.0, as in SnakeYAML.
 *
 * Written back, a float is printed as CircleCI prints it ({@link javaDouble}): `18.0` stays `18.0`, `1e3` is
 * `1000.0`, `.nan` is `.NaN`. Floats JavaScript would print differently are kept as {@link YamlFloat}.
 */
export const scalarTable = {
  bool: /^(?=.{0,9}$)(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  int: /^(?=.{0,99}$)(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  float:
    /^(?=.{0,99}$)(?:[-+]?(?:\.[0-9]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  null: /^(?:~|null|Null|NULL|)$/,
} as const;

/**
 * How CircleCI writes a float (SnakeYAML's representer: `.NaN`, `.inf`, `-.inf`, else Java's `Double.toString`):
 * at least one digit after the point, and `E` notation below 10^-3 and from 10^7 on. `18.0` → `18.0`,
 * `1e3` → `1000.0`, `2.5e7` → `2.5E7`, `0.0005` → `5.0E-4`. The digits are the shortest that read back to
 * the same number (JavaScript's, which Java's match since JDK 19).
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return '.NaN';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/**
 * A float whose CircleCI text differs from JavaScript's (`18.0`, which JavaScript calls `18`; `1.0E7`; `5.0E-4`).
 * It is its number where a number is needed (`valueOf`, JSON), CircleCI's text where text is (`String()`, so
 * interpolation and environment variables read `18.0`), and is written back as that float. Every other float
 * is a plain number.
 */
export class YamlFloat {
  constructor(readonly value: number) {
    Object.freeze(this);
  }

  valueOf(): number {
    return this.value;
  }

  toString(): string {
    return javaDouble(this.value);
  }

  toJSON(): number {
    return this.value;
  }
}

/** A scalar value as a number or a string: a {@link YamlFloat} is its number, anything else is as it is. */
export const plainScalar = (v: unknown): unknown => (v instanceof YamlFloat ? v.value : v);

type OnError = (message: string) => void;

const sexagesimal = (text: string): number => text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);

function resolveInt(source: string, onError: OnError): unknown {
  const text = source.replace(/_/g, '');
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  let n: number;
  if (body.includes(':')) n = sexagesimal(body);
  else if (body.startsWith('0b')) n = body.length > 2 ? parseInt(body.slice(2), 2) : NaN;
  else if (body.startsWith('0x')) n = body.length > 2 ? parseInt(body.slice(2), 16) : NaN;
  else if (body.length > 1 && body.startsWith('0')) n = parseInt(body.slice(1), 8);
  else n = body === '' ? NaN : Number(body);
  if (Number.isNaN(n)) {
    onError(`"${source}" reads as an integer in YAML 1.1 but has no digits; quote it to keep it a string.`);
    return source;
  }
  // Beyond 2^53 a JS number would change the digits: keep the text as written.
  return Number.isSafeInteger(n) ? sign * n : source;
}

function resolveFloat(source: string, onError: OnError): unknown {
  const text = source.replace(/_/g, '');
  const lower = text.toLowerCase();
  if (lower.endsWith('.inf')) return text.startsWith('-') ? -Infinity : Infinity;
  if (lower === '.nan') return NaN;
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  const n = body.includes(':') ? sexagesimal(body) : /[0-9]/.test(body) ? Number(body) : NaN;
  if (Number.isNaN(n)) {
    onError(`"${source}" reads as a number in YAML 1.1 but has no digits; quote it to keep it a string.`);
    return source;
  }
  const value = sign * n;
  return Number.isFinite(value) && javaDouble(value) !== String(value) ? new YamlFloat(value) : value;
}

/** The implicit scalar types of {@link scalarTable} as `yaml` tags, used both to read and to write YAML. */
export const circleciScalarTags: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:null',
    default: true,
    test: scalarTable.null,
    identify: (v) => v === null || v === undefined,
    resolve: () => null,
    stringify: () => 'null',
  },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: scalarTable.bool,
    identify: (v) => typeof v === 'boolean',
    resolve: (s) => /^(?:yes|true|on)$/i.test(s),
    stringify: ({ value }) => (value ? 'true' : 'false'),
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: scalarTable.int,
    identify: (v) => typeof v === 'number' && Number.isInteger(v),
    resolve: (s, onError) => resolveInt(s, onError),
    stringify: ({ value }) => String(value),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: scalarTable.float,
    identify: (v) => typeof v === 'number' || v instanceof YamlFloat,
    resolve: (s, onError) => resolveFloat(s, onError) as number,
    stringify: ({ value }) => javaDouble(Number(value)),
  },
];

/** Options for the `yaml` package so it reads and writes scalars as {@link scalarTable} says. */
export const circleciYamlSchema = { schema: 'failsafe', customTags: circleciScalarTags } as const;

/** Writes YAML that reads back, under {@link scalarTable}, to the same values (strings like `yes` or `1:20` quoted). */
export const stringifyYaml = (value: unknown): string => stringify(value, { ...circleciYamlSchema, lineWidth: 0, aliasDuplicateObjects: false });
