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
 */
export const scalarTable = {
  bool: /^(?=.{0,9}$)(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  int: /^(?=.{0,99}$)(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  float: /^(?=.{0,99}$)(?:[-+]?(?:\.[0-9]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  null: /^(?:~|null|Null|NULL|)$/,
} as const;

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
  return sign * n;
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  return String(value);
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
    identify: (v) => typeof v === 'number',
    resolve: (s, onError) => resolveFloat(s, onError),
    stringify: ({ value }) => formatFloat(value as number),
  },
];

/** Options for the `yaml` package so it reads and writes scalars as {@link scalarTable} says. */
export const circleciYamlSchema = { schema: 'failsafe', customTags: circleciScalarTags } as const;

/** Writes YAML that reads back, under {@link scalarTable}, to the same values (strings like `yes` or `1:20` quoted). */
export const stringifyYaml = (value: unknown): string => stringify(value, { ...circleciYamlSchema, lineWidth: 0, aliasDuplicateObjects: false });
