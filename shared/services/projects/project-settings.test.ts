import { aProject } from '../../ports/project-store.contract';
import { retryDelay } from '../../adapters/vcs/github-retry';
import { apiFeatureFlags, apiProjectSettings, parseFeatureFlags, parseSettingsPatch } from './project-settings';

describe('project settings', () => {
  it('rejects bad v2 patches with CircleCI’s messages', () => {
    expect(() => parseSettingsPatch({})).toThrow('No JSON fields found.');
    expect(() => parseSettingsPatch({ incorrect: {} })).toThrow("Unexpected JSON field 'incorrect'");
    expect(() => parseSettingsPatch({ advanced: { incorrect: true } })).toThrow("Unknown advanced setting 'incorrect'.");
    expect(() => parseSettingsPatch({ advanced: { autocancel_builds: 'yes' } })).toThrow("Setting 'autocancel_builds' must be boolean.");
    expect(() =>
      parseSettingsPatch({
        advanced: { pr_only_branch_overrides: Array.from({ length: 101 }, (_, i) => `b${i}`) },
      }),
    ).toThrow(/up to 100 branches/);
    expect(parseSettingsPatch({ advanced: { build_fork_prs: true, pr_only_branch_overrides: ['main', 'main'] } })).toEqual({
      buildForkPrs: true,
      prOnlyBranchOverrides: ['main'],
    });
  });

  it('shows the same settings as v2 advanced and v1.1 feature flags, with CircleCI defaults', () => {
    const p = aProject({
      settings: {
        buildPrsOnly: true,
        buildForkPrs: false,
        forksReceiveSecrets: false,
        autoCancelBuilds: true,
      },
    });
    expect(apiProjectSettings(p).advanced).toMatchObject({
      build_prs_only: true,
      autocancel_builds: true,
      set_github_status: true,
      pr_only_branch_overrides: ['main'],
    });
    expect(apiFeatureFlags(p)).toMatchObject({
      'build-prs-only': true,
      'autocancel-builds': true,
      'set-github-status': true,
      'build-fork-prs': false,
    });
    expect(parseFeatureFlags({ feature_flags: { 'forks-receive-secret-env-vars': true } })).toEqual({
      forksReceiveSecrets: true,
    });
    expect(() => parseFeatureFlags({ feature_flags: { nope: true } })).toThrow(/Unknown feature flag 'nope'/);
  });
});

describe('retryDelay', () => {
  const err = (status: number, headers: Record<string, string> = {}, message = '') => ({
    status,
    message,
    response: { headers },
  });
  it('backs off on server errors, waits for rate limits and gives up on client errors', () => {
    expect(retryDelay(err(502), 0, 0)).toBe(250);
    expect(retryDelay(err(503), 2, 0)).toBe(1000);
    expect(retryDelay(err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' }), 0, 90_000)).toBe(11_000);
    expect(retryDelay(err(429, { 'retry-after': '3' }), 0, 0)).toBe(3000);
    expect(retryDelay(err(403, {}, 'You have exceeded a secondary rate limit'), 0, 0)).toBe(60_000);
    expect(retryDelay(err(404), 0, 0)).toBeUndefined();
    expect(retryDelay(err(422), 0, 0)).toBeUndefined();
  });
});
