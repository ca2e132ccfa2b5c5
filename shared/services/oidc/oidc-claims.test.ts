import { parseTtl } from './custom-claims';
import { parseRequestedClaims, vcsOrigin } from './job-tokens';

describe('vcsOrigin', () => {
  it('names the repository as host/path when given an https, ssh or scp-style URL', () => {
    expect(vcsOrigin('https://github.com/acme/app.git')).toBe('github.com/acme/app');
    expect(vcsOrigin('https://x-access-token:t@github.com/acme/app')).toBe('github.com/acme/app');
    expect(vcsOrigin('git@github.com:acme/app.git')).toBe('github.com/acme/app');
    expect(vcsOrigin('ssh://git@ghe.example.com/acme/app.git')).toBe('ghe.example.com/acme/app');
    expect(vcsOrigin('file:///tmp/repo')).toBe('tmp/repo');
  });
});

describe('parseTtl', () => {
  it('reads JSON durations with several units', () => {
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('1h30m')).toBe(5400);
    expect(parseTtl('300s')).toBe(300);
  });

  it('refuses malformed and out-of-range durations with the reason', () => {
    expect(() => parseTtl('1 hour')).toThrow(/not a duration/);
    expect(() => parseTtl('1m')).toThrow(/between 5m and 24h/);
    expect(() => parseTtl('2d')).toThrow(/between 5m and 24h/);
  });
});

describe('parseRequestedClaims', () => {
  it('takes an audience as a string or a list', () => {
    expect(parseRequestedClaims({ aud: 'sts.amazonaws.com' })).toEqual({ aud: ['sts.amazonaws.com'] });
    expect(parseRequestedClaims({ aud: ['a', 'b'] })).toEqual({ aud: ['a', 'b'] });
    expect(parseRequestedClaims(undefined)).toEqual({});
  });

  it('refuses claims Slipway sets and malformed audiences', () => {
    expect(() => parseRequestedClaims({ sub: 'x' })).toThrow(/may set only "aud"/);
    expect(() => parseRequestedClaims({ aud: [] })).toThrow(/non-empty/);
    expect(() => parseRequestedClaims('aud')).toThrow(/JSON object/);
  });
});
