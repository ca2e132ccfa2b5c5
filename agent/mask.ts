/**
 * Replaces secret values (and their base64 forms) with `********` before output leaves the machine.
 * Values shorter than 4 characters are not masked (CircleCI's rule), since they would mask ordinary text.
 */
const MASK = Buffer.from('********');

export class SecretMasker {
  /** The secrets and their base64 forms, in UTF-8, longest first. */
  private readonly patternBytes: Buffer[];

  constructor(secrets: string[]) {
    const set = new Set<string>();
    for (const s of secrets) {
      if (s.length < 4) continue;
      set.add(s);
      set.add(Buffer.from(s).toString('base64'));
      set.add(Buffer.from(s).toString('base64').replace(/=+$/, ''));
    }
    this.patternBytes = [...set]
      .filter((p) => p.length >= 4)
      .sort((a, b) => b.length - a.length)
      .map((p) => Buffer.from(p, 'utf8'));
  }

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

  /** Masks every pattern in `buf`, on bytes, without decoding them. */
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
    return this.patternBytes.length > 0;
  }
}
