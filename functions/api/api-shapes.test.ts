import type { StepAction } from '../../shared/model/entities';
import { v1ActionOutcome } from './api-shapes';

const action = (a: Partial<StepAction>): StepAction => ({ index: 0, status: 'success', startedAt: '2026-12-01T12:00:00Z', ...a });

describe('a v1.1 step action: status and outcome flags (true or null, as CircleCI sets them)', () => {
  it.each([
    ['a step that succeeded', action({}), { status: 'success', failed: null, infrastructure_fail: null, timedout: null, canceled: null }],
    ['a step still running', action({ status: 'running' }), { status: 'running', failed: null, infrastructure_fail: null, timedout: null, canceled: null }],
    [
      'a failed step',
      action({ status: 'failed', failureReason: 'failed' }),
      { status: 'failed', failed: true, infrastructure_fail: null, timedout: null, canceled: null },
    ],
    [
      'an environment that could not start',
      action({ status: 'failed', failureReason: 'could_not_start' }),
      { status: 'failed', failed: true, infrastructure_fail: null, timedout: null, canceled: null },
    ],
    [
      'a step timed out',
      action({ status: 'timedout', failureReason: 'timed_out' }),
      { status: 'timedout', failed: true, infrastructure_fail: null, timedout: true, canceled: null },
    ],
    [
      'a canceled step',
      action({ status: 'canceled', failureReason: 'canceled' }),
      { status: 'canceled', failed: null, infrastructure_fail: null, timedout: null, canceled: true },
    ],
    [
      'an infrastructure failure',
      action({ status: 'failed', failureReason: 'infrastructure' }),
      { status: 'infrastructure_fail', failed: true, infrastructure_fail: true, timedout: null, canceled: null },
    ],
    // Reports of agents that name no reason: the status says it.
    [
      'a failed step without a reason',
      action({ status: 'failed' }),
      { status: 'failed', failed: true, infrastructure_fail: null, timedout: null, canceled: null },
    ],
    [
      'a timed-out step without a reason',
      action({ status: 'timedout' }),
      { status: 'timedout', failed: true, infrastructure_fail: null, timedout: true, canceled: null },
    ],
  ])('%s', (_label, a, expected) => {
    expect(v1ActionOutcome(a)).toEqual(expected);
  });
});
