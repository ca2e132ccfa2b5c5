import { sshSessionsOf } from './assemble-deps';

describe('sshSessionsOf (composition of rerun with SSH)', () => {
  const env = { SLIPWAY_SSH_IDLE_SECONDS: 600, SLIPWAY_SSH_MAX_SECONDS: 7200, PUBLIC_URL: 'https://ci.example.com' };

  it("in AWS mode, reaches EC2 machines through the stack's Session document in the functions' region", () => {
    expect(sshSessionsOf({ ...env, MACHINE_SSH_DOCUMENT: 'Slipway-MachineSsh-AbC123', AWS_REGION: 'eu-west-1' }, false)).toEqual({
      idleSeconds: 600,
      maxSeconds: 7200,
      machineSsm: { region: 'eu-west-1', document: 'Slipway-MachineSsh-AbC123' },
    });
    expect(sshSessionsOf(env, false)).toEqual({ idleSeconds: 600, maxSeconds: 7200 });
  });

  it("locally, lets job SSH servers listen on the API's host only, with no Session Manager path", () => {
    expect(sshSessionsOf({ ...env, PUBLIC_URL: 'http://127.0.0.1:3000', MACHINE_SSH_DOCUMENT: 'x', AWS_REGION: 'eu-west-1' }, true)).toEqual({
      idleSeconds: 600,
      maxSeconds: 7200,
      bind: '127.0.0.1',
      host: '127.0.0.1',
    });
  });
});
