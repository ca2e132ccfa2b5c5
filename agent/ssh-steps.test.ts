import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, utils, type ClientChannel } from 'ssh2';
import type { JobSpec } from '../shared/model/job-spec';
import { MACHINE_SSH_PORT } from '../shared/model/resource-classes';
import { machineSshListener } from '../shared/services/ssh/ssh-access';
import { HostExecutor } from './executors/host';
import type { StepLogStream } from './log-stream';
import { SshSteps } from './ssh-steps';

const ada = utils.generateKeyPairSync('ed25519');
const stranger = utils.generateKeyPairSync('ed25519');
const JOB = { projectSlug: 'gh/acme/app', number: 12 } as JobSpec['job'];

/** A free TCP port on loopback (the agent on a machine listens at a fixed one; tests cannot assume it is free). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const notes = () => {
  const lines: string[] = [];
  return { lines, log: { note: (l: string) => lines.push(l), write: (d: Buffer | string) => lines.push(String(d)) } as unknown as StepLogStream };
};

/** Connects as the holder of `privateKey` (what Session Manager's port forwarding does on the instance: a TCP connection to loopback). */
function connectAs(port: number, privateKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => resolve(client))
      .on('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'circleci', privateKey, readyTimeout: 20_000 });
  });
}

/** Output and exit status of a channel (exec or shell). */
function drain(stream: ClientChannel): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    let out = '';
    let code = -1;
    stream.on('data', (d: Buffer) => (out += d));
    stream.stderr.on('data', (d: Buffer) => (out += d));
    stream.on('exit', (c: number) => (code = c));
    stream.on('close', () => resolve({ out, code }));
  });
}

describe('SshSteps on an EC2 machine (host executor, Session Manager listener)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'slipway-machine-ssh-'));
  writeFileSync(join(cwd, 'checked-out.txt'), 'from the checkout\n');
  const ssm = { region: 'eu-west-1', document: 'Slipway-MachineSsh-AbC123' };
  const opened: SshSteps[] = [];
  afterAll(() => Promise.all(opened.map((s) => s.close())));

  async function machineSteps(port: number, idleSeconds = 60) {
    // What the control plane puts in the spec of a task claimed by the instance (computeId `machine:<id>`).
    const listener = machineSshListener(ssm, 'machine:i-0123456789abcdef0')!;
    const spec: NonNullable<JobSpec['ssh']> = { authorizedKeys: [{ login: 'ada', publicKey: ada.public }], idleSeconds, maxSeconds: 600, ...listener, port };
    const steps = new SshSteps(
      spec,
      { ...process.env, CIRCLE_JOB: 'build', GREETING: 'hello from the job' } as Record<string, string>,
      cwd,
      new HostExecutor(mkdtempSync(join(tmpdir(), 'slipway-scripts-'))),
      JOB,
    );
    opened.push(steps);
    return steps;
  }

  it('listens on loopback only and shows the ssh command through Session Manager, with the port-restricted document', async () => {
    const port = await freePort();
    const steps = await machineSteps(port);
    const { lines, log } = notes();
    expect(await steps.run(steps.enableStep, log, new AbortController().signal)).toEqual({ status: 'success', exitCode: 0 });
    expect(lines).toContain(
      `    $ ssh -o 'ProxyCommand=aws ssm start-session --region eu-west-1 --target %h --document-name Slipway-MachineSsh-AbC123 --parameters portNumber=%p' -p ${MACHINE_SSH_PORT} circleci@i-0123456789abcdef0`,
    );
    expect(lines).toContain('or: slipway ssh gh/acme/app 12');
    expect(lines.join('\n')).toMatch(/Session Manager \(no inbound port\)/);
    expect(lines.join('\n')).not.toMatch(/\$ ssh -p/);
    // Nothing answers on the instance's other addresses: only Session Manager (from loopback) reaches the server.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external) {
      await expect(new Promise((resolve, reject) => connect(port, external).on('connect', resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('gives a registered key a shell in the job directory and environment (exec and interactive), refuses others, and ends when idle', async () => {
    const port = await freePort();
    const steps = await machineSteps(port, 1);
    await steps.run(steps.enableStep, notes().log, new AbortController().signal);

    const client = await connectAs(port, ada.private);
    const exec = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec('pwd; cat checked-out.txt; echo "$GREETING ($CIRCLE_JOB)"; exit 3', (e, s) => (e ? reject(e) : resolve(s))),
    );
    expect(await drain(exec)).toEqual({ out: `${cwd}\nfrom the checkout\nhello from the job (build)\n`, code: 3 });
    // An interactive shell with a terminal, as `ssh` without a command opens.
    const shell = await new Promise<ClientChannel>((resolve, reject) =>
      client.shell({ term: 'xterm', rows: 24, cols: 80 }, (e, s) => (e ? reject(e) : resolve(s))),
    );
    shell.write('echo "answer $((6 * 7)) in $(basename "$PWD")"; exit 4\n');
    const interactive = await drain(shell);
    expect(interactive.code).toBe(4);
    expect(interactive.out).toContain(`answer 42 in ${cwd.split('/').pop()}`);
    client.end();

    await expect(connectAs(port, stranger.private)).rejects.toThrow(/authentication methods failed/);
    const { lines, log } = notes();
    expect(await steps.run(steps.waitStep, log, new AbortController().signal)).toEqual({ status: 'success', exitCode: 0 });
    expect(lines).toContain('SSH: ada connected from 127.0.0.1.');
    expect(lines).toContain('No SSH session for the idle timeout: ending the job.');
  });

  it('fails the "Enable SSH" step, saying why, when the port is taken, and does not wait for sessions', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const steps = await machineSteps((taken.address() as AddressInfo).port);
      const { lines, log } = notes();
      expect(await steps.run(steps.enableStep, log, new AbortController().signal)).toEqual({ status: 'failed', exitCode: null });
      expect(lines[0]).toMatch(/^Error: the SSH server could not listen on 127\.0\.0\.1:\d+ \(.*EADDRINUSE/);
      const wait = notes();
      expect(await steps.run(steps.waitStep, wait.log, new AbortController().signal)).toEqual({ status: 'success', exitCode: 0 });
      expect(wait.lines).toContain('No SSH server is running (see the "Enable SSH" step): ending the job.');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
