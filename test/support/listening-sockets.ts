import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';

export interface ListeningSocket {
  pid: number;
  address: string;
  port: number;
}

/** Whether this machine exposes sockets the way `listeningSockets` reads them (Linux /proc). */
export const canReadSockets = existsSync('/proc/self/net/tcp') && existsSync('/proc/self/fd');

/**
 * Every listening TCP socket (IPv4 and IPv6) held by process `rootPid` or any of its descendants, read from
 * Linux /proc without any dependency:
 *
 * - `/proc/<pid>/net/tcp` and `/proc/<pid>/net/tcp6` list every TCP socket of the process's network namespace,
 *   one per line after a header: `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
 *   timeout inode ...`, e.g. `0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0
 *   123456 1 ...`. `local_address` is `ADDR:PORT` in hex: the port is a plain big-endian number; the address is
 *   the raw in-kernel bytes printed as 32-bit words in host byte order (one word for IPv4, four for IPv6), so on
 *   a little-endian machine `0100007F` is 127.0.0.1. `st` `0A` is TCP_LISTEN. `inode` identifies the socket.
 * - `/proc/<pid>/fd/*` are symlinks; a socket's reads `socket:[<inode>]`, which tells which of the namespace's
 *   sockets the process holds.
 */
export function listeningSockets(rootPid: number): ListeningSocket[] {
  const pids = [rootPid, ...descendants(rootPid)];
  const found: ListeningSocket[] = [];
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    if (inodes.size === 0) continue;
    for (const table of ['tcp', 'tcp6']) {
      for (const entry of listenEntries(`/proc/${pid}/net/${table}`)) {
        if (inodes.has(entry.inode)) found.push({ pid, address: entry.address, port: entry.port });
      }
    }
  }
  return found;
}

/** Whether `address` (as `listeningSockets` prints it) is the loopback interface. */
export function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function listenEntries(file: string): Array<{ address: string; port: number; inode: string }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // no IPv6 in this kernel, or the process is gone
  }
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 10 && cols[3] === '0A')
    .map((cols) => {
      const [hexAddr, hexPort] = cols[1].split(':');
      return { address: decodeAddress(hexAddr), port: parseInt(hexPort, 16), inode: cols[9] };
    });
}

function decodeAddress(hex: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = hex
      .slice(i, i + 8)
      .match(/../g)!
      .map((b) => parseInt(b, 16));
    bytes.push(...(endianness() === 'LE' ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join('.');
  const isV4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isV4Mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // Shorten the longest run of zero groups to `::` (enough for ::, ::1 and ordinary addresses).
  return groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes; // the process ended meanwhile
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return inodes;
}

/** Every descendant of `pid`, from the parent pid (4th field of `/proc/<pid>/stat`, after `(comm)`). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        result.push(child);
        queue.push(child);
      }
    }
  }
  return result;
}
