import fc from 'fast-check';
import { ConfigCompileError } from './problems';
import { parseYaml } from './yaml-parse';

const problemOf = (fn: () => unknown): ConfigCompileError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigCompileError) return err;
    throw err;
  }
  throw new Error('expected a ConfigCompileError');
};

describe('parseYaml', () => {
  it('reads yes/no/on/off as booleans but keeps y/n and key spellings', () => {
    expect(parseYaml('a: yes\nb: off\nc: n\non: 1\n', 'f').value).toEqual({ a: true, b: false, c: 'n', on: 1 });
  });

  it('gives a block scalar ending the document without a line break no final line break, as SnakeYAML does', () => {
    expect(parseYaml('a: |\n  x\n  y', 'f').value).toEqual({ a: 'x\ny' });
    expect(parseYaml('a: |\n  x\nb: >\n  y\n', 'f').value).toEqual({ a: 'x\n', b: 'y\n' });
  });

  it('merges `<<` keys with explicit keys winning and the first merged map winning', () => {
    const src = 'x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  a: 0\n';
    expect((parseYaml(src, 'f').value as Record<string, unknown>).z).toEqual({ a: 0, b: 1, c: 2 });
  });

  it('lets a later duplicate key win and records it', () => {
    const r = parseYaml('a: 1\na: 2\n', 'f');
    expect(r.value).toEqual({ a: 2 });
    expect(r.map.info(r.value)?.duplicates).toEqual(['a']);
  });

  it('records positions of keys and values', () => {
    const r = parseYaml('top:\n  key: value\n  list:\n    - x\n', 'f.yml');
    const top = (r.value as Record<string, Record<string, unknown>>).top;
    expect(r.map.at(top, 'key', true)).toEqual({ line: 2, column: 3 });
    expect(r.map.at(top, 'key')).toEqual({ line: 2, column: 8 });
    expect(r.map.at(top.list, 0)).toEqual({ line: 4, column: 7 });
  });

  it('stops alias expansion bombs with a positioned error', () => {
    let src = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++)
      src += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    // How fast it stops is measured by `npm run bench` (config compile group).
    const err = problemOf(() => parseYaml(src, 'bomb.yml'));
    expect(err.problems[0]).toMatchObject({ file: 'bomb.yml', code: 'limit' });
    expect(err.problems[0].message).toContain('(limit maxExpandedNodes = ');
  });

  it('rejects oversized documents and deep nesting', () => {
    expect(problemOf(() => parseYaml('a: 1\n'.repeat(100), 'f', { maxBytes: 100 })).problems[0].message).toContain('(limit maxBytes = 100)');
    const deep = problemOf(() => parseYaml('['.repeat(50_000), 'f'));
    expect(deep.problems[0]).toMatchObject({ line: 1, column: 101, code: 'limit' });
    const indented = 'a:\n' + Array.from({ length: 150 }, (_, i) => `${' '.repeat(i * 2 + 2)}b:`).join('\n');
    expect(problemOf(() => parseYaml(indented, 'f')).problems[0].message).toContain('Nesting is deeper than 100');
  });

  it('reports unknown aliases with their position', () => {
    expect(problemOf(() => parseYaml('a: *nope\n', 'f')).problems[0]).toMatchObject({ line: 1, column: 4, message: 'Unknown alias *nope.' });
  });

  it('never throws anything but positioned errors (property)', () => {
    const tokens = fc.constantFrom(
      'a',
      ':',
      ' ',
      '\n',
      '  ',
      '-',
      '[',
      ']',
      '{',
      '}',
      '&x',
      '*x',
      '<<',
      '"',
      "'",
      '|',
      '>',
      '#',
      '!!str',
      '?',
      ',',
      '1',
      'yes',
      '\t',
      '%YAML 1.1',
      '---',
    );
    const yamlish = fc.array(tokens, { maxLength: 300 }).map((t) => t.join(''));
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ maxLength: 400 })), (src) => {
        try {
          parseYaml(src, 'p.yml');
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigCompileError);
          const p = (err as ConfigCompileError).problems[0];
          expect(p.file).toBe('p.yml');
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});
