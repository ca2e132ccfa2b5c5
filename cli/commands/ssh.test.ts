import { Command } from 'commander';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerSshCommand } from './ssh';

const SSM = [
  'ssh',
  '-o',
  'ProxyCommand=aws ssm start-session --region eu-west-1 --target %h --document-name Slipway-MachineSsh-AbC123 --parameters portNumber=%p',
  '-p',
  '54782',
  'circleci@i-0123456789abcdef0',
];

describe('slipway ssh', () => {
  let server: Server;
  let reply: unknown;
  const asked: string[] = [];
  const saved = { url: process.env.SLIPWAY_URL, token: process.env.SLIPWAY_TOKEN };

  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers['circle-token'] ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.SLIPWAY_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.SLIPWAY_TOKEN = 'the-token';
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    process.env.SLIPWAY_URL = saved.url;
    process.env.SLIPWAY_TOKEN = saved.token;
    process.exitCode = undefined;
  });

  async function run(...args: string[]): Promise<string> {
    const program = new Command().exitOverride();
    registerSshCommand(program);
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((d) => ((out += d), true));
    try {
      await program.parseAsync(['node', 'slipway', 'ssh', ...args]);
    } finally {
      write.mockRestore();
    }
    return out;
  }

  it('prints the ssh command through Session Manager of an EC2 machine task, quoted to paste into a shell', async () => {
    reply = { tasks: [{ index: 0, method: 'ssm', command: SSM }] };
    expect(await run('gh/acme/app', '12', '--print')).toBe(
      "ssh -o 'ProxyCommand=aws ssm start-session --region eu-west-1 --target %h --document-name Slipway-MachineSsh-AbC123 --parameters portNumber=%p' -p 54782 circleci@i-0123456789abcdef0\n",
    );
    expect(asked.at(-1)).toMatch(/^GET \/api\/v2\/slipway\/project\/gh\/acme\/app\/job\/12\/ssh /);
  });

  it('runs the command with the terminal, taking its exit status, and says what to install when it is missing', async () => {
    reply = { tasks: [{ index: 0, method: 'ssm', command: ['sh', '-c', 'exit 7'] }] };
    await run('gh/acme/app', '12');
    expect(process.exitCode).toBe(7);
    process.exitCode = undefined;
    reply = { tasks: [{ index: 0, method: 'ssm', command: ['slipway-no-such-ssh', '-p', '54782'] }] };
    await expect(run('gh/acme/app', '12')).rejects.toThrow(
      /Could not run slipway-no-such-ssh .*install OpenSSH's ssh, the AWS CLI and its Session Manager plugin/,
    );
  });

  it('names the running tasks when asked for another', async () => {
    reply = { tasks: [{ index: 1, method: 'ssh', message: 'Use the ssh -p command.' }] };
    await expect(run('gh/acme/app', '12')).rejects.toThrow('Task 0 of job 12 is not running; running tasks: 1.');
    expect(await run('gh/acme/app', '12', '--task', '1')).toBe('Use the ssh -p command.\n');
  });
});
