import { spawnSync } from 'node:child_process';
import { parseExportedEnv } from './circleci-server';

const TRICKY = { QUOTES: `it's "quoted" \\ $HOME \`cmd\``, MULTI: 'line one\nline two\n', EMPTY: '', SPACES: '  a  b  ', UNICODE: 'héllo ✓ 🚀' };

/** `export -p` as the shell prints it, for the variables given (and whatever the shell exports itself). */
const exported = (sh: string, args: string[]) =>
  spawnSync(sh, [...args, 'export -p'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LANG: 'C', ...TRICKY } }).stdout;

describe('parseExportedEnv', () => {
  it.each([
    ['dash (single quotes)', 'dash', ['-c']],
    ['bash as sh (POSIX mode, double quotes)', 'bash', ['--norc', '--posix', '-c']],
    ['bash (declare -x)', 'bash', ['--norc', '-c']],
  ])('reads back every value that %s prints', (_, sh, args) => {
    const text = exported(sh, args);
    expect(text).toContain('MULTI');
    expect(parseExportedEnv(text)).toMatchObject(TRICKY);
  });

  it("reads $'...' quoting, unquoted values and backslash escapes, and leaves out unset and non-export lines", () => {
    const text = [
      "export A=$'tab\\there\\nnew \\'q\\' \\x41\\101 h\\303\\251'",
      'export B=plain\\ word',
      'export UNSET',
      'typeset -x C=c',
      'readonly D=d',
      'export E="x"y\'z\'',
    ].join('\n');
    expect(parseExportedEnv(text)).toEqual({ A: "tab\there\nnew 'q' AA hé", B: 'plain word', C: 'c', E: 'xyz' });
  });
});
