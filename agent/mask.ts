/**
 * Replaces secret values (and their base64 forms) with `********` before output leaves the machine.
 * Values shorter than 4 characters are not masked (CircleCI's rule), since they would mask ordinary text.
 */
const MASK = Buffer.from('********');

export class SecretMasker {
  private readonly patterns: string[];
  /** Longest pattern length − 1: bytes that must be held back in case a secret spans two writes. */
  readonly holdBack: number;

  constructor(secrets: string[]) {
    const set = new Set<string>();
    for (const s of secrets) {
      if (s.length < 4) continue;
      set.add(s);
      set.add(Buffer.from(s).toString('base64'));
      set.add(Buffer.from(s).toString('base64').replace(/=+$/, ''));
    }
    this.patterns = [...set].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length);
    this.holdBack = this.patterns.length ? Math.max(...this.patterns.map((p) => p.length)) - 1 : 0;
  }

  /** Longest pattern in UTF-8 bytes − 1 (the byte-level hold-back). */
  get holdBackBytes(): number {
    return this.patternBytes.length ? Math.max(...this.patternBytes.map((p) => p.length)) - 1 : 0;
  }

  private get patternBytes(): Buffer[] {
    this.bytes ??= this.patterns.map((p) => Buffer.from(p, 'utf8'));
    return this.bytes;
  }
  private bytes: Buffer[] | undefined;

  /**
   * Length of the longest suffix of `buf` that is a proper prefix of some pattern: the bytes that could be the
   * start of a secret still arriving (0 for ordinary output).
   */
  partialSecretBytes(buf: Buffer): number {
    let longest = 0;
    for (const p of this.patternBytes) {
      for (let k = Math.min(p.length - 1, buf.length); k > longest; k--) {
        if (buf[buf.length - k] === p[0] && buf.subarray(buf.length - k).equals(p.subarray(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }

  /** `mask` on bytes, without decoding them (fast path for large output). */
  maskBuffer(buf: Buffer): Buffer {
    let out = buf;
    for (const p of this.patternBytes) {
      let at = out.indexOf(p);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      for (; at >= 0; at = out.indexOf(p, from)) {
        parts.push(out.subarray(from, at), MASK);
        from = at + p.length;
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  get active(): boolean {
    return this.patterns.length > 0;
  }

  mask(text: string): string {
    let out = text;
    for (const p of this.patterns) if (out.includes(p)) out = out.split(p).join('********');
    return out;
  }
}
