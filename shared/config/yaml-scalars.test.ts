import { ConfigCompileError } from './problems';
import { parseYaml } from './yaml-parse';
import fc from 'fast-check';
import { javaDouble, stringifyYaml, YamlFloat } from './yaml-scalars';

const read = (scalar: string): unknown => (parseYaml(`v: ${scalar}\n`, 'f.yml').value as { v: unknown }).v;

// One row per form of CircleCI's (SnakeYAML's YAML 1.1) implicit scalar types.
const table: Array<[string, unknown]> = [
  // booleans: six words in three cases each
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
  ['yes', true],
  ['Yes', true],
  ['YES', true],
  ['no', false],
  ['No', false],
  ['NO', false],
  ['on', true],
  ['On', true],
  ['ON', true],
  ['off', false],
  ['Off', false],
  ['OFF', false],
  ['y', 'y'],
  ['n', 'n'],
  ['Y', 'Y'],
  ['tRUE', 'tRUE'],
  ['yEs', 'yEs'],
  // ints
  ['0', 0],
  ['42', 42],
  ['-42', -42],
  ['+42', 42],
  ['1_000', 1000],
  ['0x1F', 31],
  ['0x_1f', 31],
  ['-0x10', -16],
  ['0755', 493],
  ['0_7', 7],
  ['0b1010', 10],
  ['1:20', 80],
  ['190:20:30', 685230],
  ['-1:30', -90],
  ['0o17', '0o17'],
  ['08', new YamlFloat(8)],
  ['9007199254740993', '9007199254740993'],
  // floats: a digit is required
  ['2.1', 2.1],
  ['1.', new YamlFloat(1)],
  ['.5', 0.5],
  ['-.5', -0.5],
  ['+1.5e3', new YamlFloat(1500)],
  ['1e3', new YamlFloat(1000)],
  ['1E-2', 0.01],
  ['1_0.5', 10.5],
  ['18.0', new YamlFloat(18)],
  ['-0.0', new YamlFloat(-0)],
  ['2.5e7', new YamlFloat(25000000)],
  ['0.0005', new YamlFloat(0.0005)],
  ['1.0E-4', new YamlFloat(0.0001)],
  ['1:20.5', 80.5],
  ['.inf', Infinity],
  ['-.Inf', -Infinity],
  ['+.INF', Infinity],
  ['.nan', NaN],
  ['.NaN', NaN],
  ['.', '.'],
  ['..', '..'],
  ['-.', '-.'],
  ['._', '._'],
  ['.e3', '.e3'],
  ['NaN', 'NaN'],
  ['inf', 'inf'],
  ['-.nan', '-.nan'],
  // nulls
  ['~', null],
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['', null],
  ['nULL', 'nULL'],
  // strings
  ['1.2.3', '1.2.3'],
  ['8080:80', '8080:80'],
  ['2024-01-01', '2024-01-01'],
  ['3.9-slim', '3.9-slim'],
  ['node:18.1e3', 'node:18.1e3'],
  ['v1e3', 'v1e3'],
  ['"yes"', 'yes'],
  ["'1.5'", '1.5'],
  ['!!str 12', '12'],
  ['!!int "12"', 12],
  ['"."', '.'],
];

describe('YAML 1.1 scalars as CircleCI reads them', () => {
  it.each(table)('reads %s', (scalar, expected) => {
    expect(read(scalar)).toEqual(expected);
  });

  it.each(table)('writes what %s reads as so it reads back the same', (scalar) => {
    const value = read(scalar);
    expect(read(stringifyYaml(value).trim())).toEqual(value);
    expect(read(stringifyYaml(String(value)).trim())).toEqual(String(value));
  });

  it('keeps `root: .` and `at: .` as the current folder', () => {
    const src = 'steps:\n  - persist_to_workspace: {root: ., paths: [dist]}\n  - attach_workspace:\n      at: .\n';
    expect(parseYaml(src, 'f.yml').value).toEqual({ steps: [{ persist_to_workspace: { root: '.', paths: ['dist'] } }, { attach_workspace: { at: '.' } }] });
  });

  it.each(['0x_', '-_', '0b_'])('rejects %s, a number without digits, with a positioned error', (scalar) => {
    expect(() => read(scalar)).toThrow(ConfigCompileError);
    expect(() => read(scalar)).toThrow(/1:4.*has no digits/);
  });
});

// How CircleCI writes a float: SnakeYAML's representer (`.NaN`, `.inf`, `-.inf`) or Java's `Double.toString`.
const written: Array<[string, string]> = [
  ['18.0', '18.0'],
  ['18.50', '18.5'],
  ['1.', '1.0'],
  ['1e3', '1000.0'],
  ['+1.5e3', '1500.0'],
  ['2.5e7', '2.5E7'],
  ['1e7', '1.0E7'],
  ['9999999.0', '9999999.0'],
  ['0.001', '0.001'],
  ['0.0005', '5.0E-4'],
  ['1.5e-7', '1.5E-7'],
  ['-0.0', '-0.0'],
  ['0.0', '0.0'],
  ['08', '8.0'],
  ['1:20.5', '80.5'],
  ['.nan', '.NaN'],
  ['.inf', '.inf'],
  ['-.Inf', '-.inf'],
  ['3.10', '3.1'],
  ['1.0E21', '1.0E21'],
];

describe('floats as CircleCI writes them', () => {
  it.each(written)('writes %s as %s', (scalar, text) => {
    expect(stringifyYaml({ v: read(scalar) })).toBe(`v: ${text}\n`);
  });

  it('reads and interpolates `18.0` as CircleCI does: the number 18, the text 18.0', () => {
    const v = read('18.0');
    expect(Number(v)).toBe(18);
    expect(`${String(v)}`).toBe('18.0');
    expect(JSON.stringify({ v })).toBe('{"v":18}');
  });

  it('writes every double in Java’s form, which reads back as the same float and writes again the same (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const text = javaDouble(d);
        expect(text).toMatch(/^-?\d\.?\d*(?:E-?\d+)?$|^-?\d+\.\d+$/);
        // Java uses E notation exactly below 10^-3 and from 10^7 on (zero aside).
        expect(text.includes('E')).toBe(d !== 0 && (Math.abs(d) < 1e-3 || Math.abs(d) >= 1e7));
        expect(text).toMatch(/\.\d/);
        const back = read(text);
        expect(Object.is(Number(back), d)).toBe(true);
        expect(stringifyYaml({ v: back })).toBe(`v: ${text}\n`);
      }),
      { numRuns: 500 },
    );
  });
});
