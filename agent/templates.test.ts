import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archTag, CacheKeyTemplateError, expandCacheKey } from './templates';

describe('expandCacheKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-tpl-'));
  writeFileSync(join(dir, 'package-lock.json'), 'lock v1');
  const ctx = {
    env: { CIRCLE_BRANCH: 'feature/x', CIRCLE_SHA1: 'abc123', CIRCLE_BUILD_NUM: '42', NODE_VERSION: '20' },
    workingDirectory: dir,
    home: dir,
    now: () => new Date('2026-01-01T00:00:10Z'),
  };

  it('expands every CircleCI template when used together', () => {
    const sum = createHash('sha256').update('lock v1').digest('base64');
    expect(
      expandCacheKey(
        'v1-{{ .Branch }}-{{ .Revision }}-{{ .BuildNum }}-{{ .Environment.NODE_VERSION }}-{{ epoch }}-{{ arch }}-{{ checksum "package-lock.json" }}',
        ctx,
      ),
    ).toBe(`v1-feature/x-abc123-42-20-1767225610-${archTag()}-${sum}`);
  });

  it('accepts templates without spaces and ~/ checksum paths', () => {
    expect(expandCacheKey('{{.Branch}}-{{checksum "~/package-lock.json"}}', ctx)).toBe(`feature/x-${createHash('sha256').update('lock v1').digest('base64')}`);
  });

  it('expands an unset environment variable to the empty string', () => {
    expect(expandCacheKey('k-{{ .Environment.MISSING }}-', ctx)).toBe('k--');
  });

  it('fails with the template named when it is unknown', () => {
    expect(() => expandCacheKey('{{ .Brunch }}', ctx)).toThrow(CacheKeyTemplateError);
    expect(() => expandCacheKey('{{ .Brunch }}', ctx)).toThrow(/Unknown cache key template \{\{ \.Brunch \}\}/);
  });

  it('fails clearly when a checksum file is missing', () => {
    expect(() => expandCacheKey('{{ checksum "nope.lock" }}', ctx)).toThrow(/checksum "nope.lock".*ENOENT/);
  });

  it('names the machine in arch', () => {
    expect(archTag()).toMatch(/^arch1-[a-z0-9]+-[a-z0-9]+$/);
  });
});
