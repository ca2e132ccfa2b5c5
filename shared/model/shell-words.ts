/**
 * argv as one POSIX shell command line to copy and paste: words with anything but `[\w@%+=:,./-]` are single
 * quoted (a `'` inside becomes `'\''`).
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
