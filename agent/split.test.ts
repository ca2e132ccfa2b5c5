import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { circleciCommand } from './circleci-command';
import { glob, globMatch } from './glob';
import { parseJUnit } from './junit';
import { splitItems, timingsFor } from './split';

describe('splitItems', () => {
  const files = ['t1', 't2', 't3', 't4', 't5', 't6'];
  const weights = new Map([
    ['t1', 10],
    ['t2', 9],
    ['t3', 8],
    ['t4', 3],
    ['t5', 2],
    ['t6', 1],
  ]);

  it('deals names round-robin in sorted order when there are no weights', () => {
    expect([0, 1, 2].map((i) => splitItems([...files].reverse(), i, 3))).toEqual([
      ['t1', 't4'],
      ['t2', 't5'],
      ['t3', 't6'],
    ]);
  });

  it('balances by weight and gives every item to exactly one node, whatever the input order', () => {
    const parts = [0, 1, 2].map((i) => splitItems(files, i, 3, weights));
    expect(parts.map((p) => p.reduce((s, f) => s + weights.get(f)!, 0))).toEqual([11, 11, 11]);
    expect(parts.flat().sort()).toEqual(files);
    expect([0, 1, 2].map((i) => splitItems([...files].reverse(), i, 3, weights))).toEqual(parts);
  });

  it('counts items without timings as the average', () => {
    const parts = [0, 1].map((i) =>
      splitItems(
        ['a', 'b', 'c'],
        i,
        2,
        new Map([
          ['a', 4],
          ['b', 2],
        ]),
      ),
    );
    expect(parts).toEqual([['a'], ['b', 'c']]);
  });
});

describe('timingsFor', () => {
  const tests = [
    { classname: 'A', name: 'x', file: './spec/a.rb', result: 'success' as const, run_time: 1 },
    { classname: 'A', name: 'y', file: 'spec/a.rb', result: 'success' as const, run_time: 2 },
    { classname: 'B', name: 'z', file: 'spec/b.rb', result: 'failure' as const, run_time: 5 },
  ];
  it('sums run times per file, class or test name', () => {
    expect(timingsFor(['spec/a.rb', './spec/b.rb', 'spec/c.rb'], tests, 'filename')).toEqual(
      new Map([
        ['spec/a.rb', 3],
        ['./spec/b.rb', 5],
      ]),
    );
    expect(timingsFor(['A', 'B'], tests, 'classname')).toEqual(
      new Map([
        ['A', 3],
        ['B', 5],
      ]),
    );
    expect(timingsFor(['z'], tests, 'testname')).toEqual(new Map([['z', 5]]));
    expect(timingsFor(['A'], tests, 'autodetect')).toEqual(new Map([['A', 3]]));
  });
});

describe('glob', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-glob-'));
  for (const f of ['src/a.test.js', 'src/deep/b.test.js', 'src/c.js', 'lib/d.test.ts']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  it('matches *, **, ? and braces relative to the folder, sorted', () => {
    expect(glob(['src/**/*.test.js'], dir)).toEqual(['src/a.test.js', 'src/deep/b.test.js']);
    expect(glob(['src/*.js'], dir)).toEqual(['src/a.test.js', 'src/c.js']);
    expect(glob(['{src,lib}/?.test.*'], dir)).toEqual(['lib/d.test.ts', 'src/a.test.js']);
    expect(glob(['src/c.js', 'missing.js'], dir)).toEqual(['src/c.js']);
    expect(glob([`${dir}/lib/*`], '/')).toEqual([`${dir}/lib/d.test.ts`]);
  });
  it('matches single paths against patterns', () => {
    expect(globMatch('**/*.xml', 'a/b/c.xml')).toBe(true);
    expect(globMatch('*.xml', 'a/c.xml')).toBe(false);
    expect(globMatch('[ab].txt', 'b.txt')).toBe(true);
  });
});

describe('parseJUnit', () => {
  it('reads classname, name, file, result, run time and message from nested suites', () => {
    const xml = `<?xml version="1.0"?><testsuites><testsuite name="s" file="a.js"><testcase classname="C" name="ok" time="0.5"/>
      <testsuite name="inner"><testcase classname="D" name="bad" file="d.js" time="2"><failure message="nope">trace</failure></testcase>
      <testcase classname="D" name="err"><error>crash</error></testcase><testcase classname="D" name="skip"><skipped message="later"/></testcase></testsuite></testsuite></testsuites>`;
    expect(parseJUnit(xml, 'r.xml')).toEqual([
      { classname: 'C', name: 'ok', file: 'a.js', result: 'success', run_time: 0.5, source: 'r.xml' },
      { classname: 'D', name: 'bad', file: 'd.js', result: 'failure', run_time: 2, message: 'nope\ntrace', source: 'r.xml' },
      { classname: 'D', name: 'err', file: 'a.js', result: 'failure', run_time: 0, message: 'crash', source: 'r.xml' },
      { classname: 'D', name: 'skip', file: 'a.js', result: 'skipped', run_time: 0, message: 'later', source: 'r.xml' },
    ]);
  });
});

describe('circleci command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
  const io = (stdin = '', env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        env: { CIRCLE_NODE_INDEX: '1', CIRCLE_NODE_TOTAL: '2', CIRCLE_INTERNAL_TASK_DATA: dir, ...env },
        cwd: dir,
        stdin: async () => stdin,
        out: (s: string) => out.push(s),
        err: (s: string) => err.push(s),
      },
    };
  };

  it('splits stdin by name for this node', async () => {
    const t = io('a b\nc d');
    expect(await circleciCommand(['tests', 'split'], t.io)).toBe(0);
    expect(t.out.join('')).toBe('b\nd\n');
  });

  it('splits by timings from the stored results, and falls back to names without them', async () => {
    const t = io('x y z');
    const timings = async () => [
      { classname: 'c', name: 'n', file: 'x', result: 'success' as const, run_time: 10 },
      { classname: 'c', name: 'n', file: 'y', result: 'success' as const, run_time: 1 },
    ];
    expect(await circleciCommand(['tests', 'split', '--split-by=timings'], { ...t.io, timings })).toBe(0);
    expect(t.out.join('')).toBe('y\nz\n');
    const none = io('x y z');
    await circleciCommand(['tests', 'split', '--split-by', 'timings'], { ...none.io, timings: async () => [] });
    expect(none.out.join('')).toBe('y\n');
    expect(none.err.join('')).toMatch(/splitting by name/);
  });

  it('substitutes environment variables', async () => {
    const t = io('', { NAME: 'world' });
    await circleciCommand(['env', 'subst', 'hello $NAME and ${NAME}$UNSET'], t.io);
    expect(t.out.join('')).toBe('hello world and world');
  });

  it('rejects unknown commands and bad flags with a usage message', async () => {
    const t = io();
    expect(await circleciCommand(['tests', 'frobnicate'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/Usage: circleci tests glob\|split\|run/);
    expect(await circleciCommand(['tests', 'split', '--split-by=size'], io('a').io)).toBe(1);
  });
});
