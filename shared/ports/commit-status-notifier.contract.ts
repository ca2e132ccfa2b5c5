import type { Project } from '../model/entities';
import type { CommitState, CommitStatusNotifier } from './commit-status-notifier';

export interface CommitStatusHarness {
  notifier: CommitStatusNotifier;
  project: Project;
  /** A commit of the project's repository. */
  revision: string;
  /** The statuses the provider holds for a commit, newest first. */
  read(revision: string): Promise<Array<{ context: string; state: CommitState; targetUrl?: string; description?: string }>>;
  /** Makes the provider answer the next `count` posts with HTTP `status` (502: server error, 403: rate limit). */
  failNext(count: number, status: number): void;
}

export function defineCommitStatusNotifierContract(name: string, factory: () => Promise<CommitStatusHarness>): void {
  describe(`CommitStatusNotifier contract: ${name}`, () => {
    let h: CommitStatusHarness;
    beforeAll(async () => {
      h = await factory();
    });
    const latest = async (context: string) => (await h.read(h.revision)).find((s) => s.context === context);

    it('keeps the latest state per context, with its link and description', async () => {
      const base = {
        revision: h.revision,
        targetUrl: 'http://127.0.0.1/jobs/1',
        description: 'CircleCI is running your tests',
      };
      await h.notifier.post(h.project, { ...base, context: 'ci/circleci: build', state: 'pending' });
      await h.notifier.post(h.project, { ...base, context: 'ci/circleci: test', state: 'pending' });
      await h.notifier.post(h.project, {
        ...base,
        context: 'ci/circleci: build',
        state: 'success',
        description: 'Your tests passed on CircleCI!',
      });
      expect(await latest('ci/circleci: build')).toMatchObject({
        state: 'success',
        targetUrl: base.targetUrl,
        description: 'Your tests passed on CircleCI!',
      });
      expect(await latest('ci/circleci: test')).toMatchObject({ state: 'pending' });
    });

    it('is harmless to post the same status twice', async () => {
      const s = {
        revision: h.revision,
        context: 'ci/circleci: twice',
        state: 'failure' as const,
        targetUrl: 'http://127.0.0.1/jobs/2',
        description: 'Your tests failed on CircleCI',
      };
      await h.notifier.post(h.project, s);
      await h.notifier.post(h.project, s);
      expect(await latest('ci/circleci: twice')).toMatchObject({ state: 'failure' });
    });

    it('retries server errors and rate limits until the post lands', async () => {
      h.failNext(2, 502);
      await h.notifier.post(h.project, {
        revision: h.revision,
        context: 'ci/circleci: flaky',
        state: 'error',
        targetUrl: 'http://127.0.0.1/jobs/3',
        description: 'x',
      });
      expect(await latest('ci/circleci: flaky')).toMatchObject({ state: 'error' });
      h.failNext(1, 403);
      await h.notifier.post(h.project, {
        revision: h.revision,
        context: 'ci/circleci: limited',
        state: 'success',
        targetUrl: 'http://127.0.0.1/jobs/4',
        description: 'y',
      });
      expect(await latest('ci/circleci: limited')).toMatchObject({ state: 'success' });
    });

    it('gives up with a clear error when the provider keeps failing', async () => {
      h.failNext(10, 502);
      await expect(
        h.notifier.post(h.project, {
          revision: h.revision,
          context: 'ci/circleci: down',
          state: 'success',
          targetUrl: 'http://127.0.0.1/jobs/5',
          description: 'z',
        }),
      ).rejects.toThrow(/HTTP 502/);
      h.failNext(0, 0);
    });
  });
}
