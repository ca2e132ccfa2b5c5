/**
 * Replaces secret values (and their base64 forms) with `********` before output leaves the machine.
 * Values shorter than 4 characters are not masked (CircleCI's rule), since they would mask ordinary text.
 */
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

  get active(): boolean {
    return this.patterns.length > 0;
  }

  mask(text: string): string {
    let out = text;
    for (const p of this.patterns) if (out.includes(p)) out = out.split(p).join('********');
    return out;
  }
}
