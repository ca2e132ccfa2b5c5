import { ECSClient } from '@aws-sdk/client-ecs';
import { clientOf, once, sdk } from './lazy-sdk';

describe('SDK packages and clients loaded on first use', () => {
  it('loads once and keeps the value; a failed load is tried again on the next call', () => {
    let calls = 0;
    const load = once(() => {
      calls += 1;
      if (calls === 1) throw new Error('not yet');
      return { calls };
    });
    expect(load).toThrow('not yet');
    const first = load();
    expect(load()).toBe(first);
    expect(calls).toBe(2);
  });

  it("gives the package's own classes (errors and commands match those imported directly)", () => {
    expect(sdk.ecs().ECSClient).toBe(ECSClient);
  });

  it('builds a client given as a factory on first use only, once; a client given as is is used as is', () => {
    const built = new ECSClient({ region: 'eu-west-1' });
    const factory = jest.fn(() => built);
    const client = clientOf(factory);
    expect(factory).not.toHaveBeenCalled();
    expect(client()).toBe(built);
    expect(client()).toBe(built);
    expect(factory).toHaveBeenCalledTimes(1);
    expect(clientOf(built)()).toBe(built);
  });
});
