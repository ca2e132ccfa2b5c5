import { ValidationError } from '../../shared/model/errors';

/**
 * Path matching as CircleCI's API does it. Patterns are split on `/`:
 * - `:slug` is a project slug: three segments (`gh/acme/demo`) or one segment with URL-escaped slashes
 *   (`gh%2Facme%2Fdemo`, which the spec allows); the VCS part may be long (`github`, `bitbucket`) or short
 *   (`gh`, `bb`) in any case, and is handed to the route in its short, lower-case form;
 * - a parameter whose name is `number`, `task`, `step` or ends in `Number`/`Index` matches digits only, so that
 *   `…/project/gh/acme/demo/envvar` is never read as a build number;
 * - a last `:branch` takes the rest of the path (`tree/feature/x`, as API v1.1 clients send branch names);
 * - `:vcs` (API v1.1) is shortened like a slug's VCS part; any other `:name` matches one non-empty segment.
 * Segments are percent-decoded one by one (a malformed escape is a 400 naming the segment).
 */
export type Segment =
  { kind: 'literal'; value: string } | { kind: 'param'; name: string; numeric: boolean } | { kind: 'slug' } | { kind: 'rest'; name: string };

const NUMERIC = /^(number|task|step|[a-z]+(Number|Index))$/;
const LONG_VCS: Record<string, string> = { github: 'gh', bitbucket: 'bb', gitlab: 'gl' };

export function compilePattern(path: string): Segment[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((seg, i, all): Segment => {
      if (seg === ':slug') return { kind: 'slug' };
      if (seg === ':branch' && i === all.length - 1) return { kind: 'rest', name: 'branch' };
      if (seg.startsWith(':')) return { kind: 'param', name: seg.slice(1), numeric: NUMERIC.test(seg.slice(1)) };
      return { kind: 'literal', value: seg };
    });
}

/** The short, lower-case VCS name CircleCI answers with (`GitHub` → `gh`, `Bitbucket` → `bb`, `circleci` stays). */
export function shortVcs(vcs: string): string {
  const lower = vcs.toLowerCase();
  return LONG_VCS[lower] ?? lower;
}

/** Splits a raw (still escaped) request path into decoded segments; 400 for a malformed escape. */
export function decodeSegments(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        throw new ValidationError(
          `Malformed percent-encoding in the request path at "${seg}": every % must be followed by two hex digits (escape a literal % as %25).`,
          { segment: seg },
        );
      }
    });
}

/** The parameters of `pattern` in `segments`, or `undefined` when the path does not match. */
export function matchPattern(pattern: Segment[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const walk = (p: number, s: number): boolean => {
    if (p === pattern.length) return s === segments.length;
    if (s >= segments.length) return false;
    const seg = pattern[p];
    if (seg.kind === 'literal') return seg.value === segments[s] && walk(p + 1, s + 1);
    if (seg.kind === 'rest') {
      params[seg.name] = segments.slice(s).join('/');
      return true;
    }
    if (seg.kind === 'param') {
      if (seg.numeric ? !/^\d+$/.test(segments[s]) : segments[s] === '') return false;
      params[seg.name] = seg.name === 'vcs' ? shortVcs(segments[s]) : segments[s];
      return walk(p + 1, s + 1);
    }
    // A slug: one escaped segment (`gh%2Facme%2Fdemo`) or three plain ones.
    const escaped = segments[s].split('/');
    if (escaped.length === 3 && escaped.every(Boolean)) {
      params.slug = [shortVcs(escaped[0]), escaped[1], escaped[2]].join('/');
      if (walk(p + 1, s + 1)) return true;
    }
    const plain = segments.slice(s, s + 3);
    if (plain.length === 3 && plain.every((x) => x && !x.includes('/'))) {
      params.slug = [shortVcs(plain[0]), plain[1], plain[2]].join('/');
      return walk(p + 1, s + 3);
    }
    return false;
  };
  return walk(0, 0) ? params : undefined;
}
