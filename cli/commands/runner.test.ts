import { AutoScalingClient, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokenParameter, readTokenSecret, runnerCli } from './runner';

const secrets = mockClient(SecretsManagerClient);
const autoscaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:RunnerToken-abc';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny HTTP server that records requests and answers with `reply`. */
async function fakeServer(reply: (req: Seen) => { status: number; body?: string }): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(r);
      const out = reply(r);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(out.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
beforeEach(() => {
  secrets.reset();
  autoscaling.reset();
  ssm.reset();
});

describe('slipway runner', () => {
  it('reads the runner token from a Secrets Manager secret, trimmed, and explains an empty one', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: 'tok-123\n' });
    await expect(readTokenSecret(new SecretsManagerClient({ region: 'eu-west-1' }), SECRET_ARN)).resolves.toBe('tok-123');
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(readTokenSecret(new SecretsManagerClient({ region: 'eu-west-1' }), SECRET_ARN)).rejects.toThrow(/holds no string value/);
  });

  it('reads an instance credential from SSM (decrypted), waiting while the control plane has not written it yet', async () => {
    const notYet = Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(notYet)
      .resolves({ Parameter: { Value: 'smi.i-0abc.secret\n' } });
    await expect(readTokenParameter(new SSMClient({ region: 'eu-west-1' }), '/slipway/S/runners/i-0abc', { waitMs: 0 })).resolves.toBe('smi.i-0abc.secret');
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/slipway/S/runners/i-0abc', WithDecryption: true },
      { Name: '/slipway/S/runners/i-0abc', WithDecryption: true },
    ]);
    ssm.reset();
    ssm.on(GetParameterCommand).rejects(notYet);
    await expect(readTokenParameter(new SSMClient({ region: 'eu-west-1' }), '/p/i-0abc', { attempts: 2, waitMs: 0 })).rejects.toThrow(
      /could not be read .*launch lifecycle hook/,
    );
  });

  it('as an EC2 machine runner: claims with its own instance credential from SSM, runs one task, and leaves terminating to the control plane', async () => {
    ssm.on(GetParameterCommand, { Name: '/slipway/S/runners/i-0123456789abcdef0', WithDecryption: true }).resolves({ Parameter: { Value: 'machine-token' } });
    const imds = await fakeServer((r) =>
      r.method === 'PUT' && r.url === '/latest/api/token' && r.headers['x-aws-ec2-metadata-token-ttl-seconds']
        ? { status: 200, body: 'imds-session' }
        : r.url === '/latest/meta-data/instance-id' && r.headers['x-aws-ec2-metadata-token'] === 'imds-session'
          ? { status: 200, body: 'i-0123456789abcdef0' }
          : { status: 401 },
    );
    // The control plane hands out a task whose spec is gone by the time the agent asks (409): the task is over.
    const plane = await fakeServer((r) =>
      r.url === '/runner/v1/claim' ? { status: 200, body: JSON.stringify({ task_token: 'task-jwt' }) } : { status: 409, body: '{"message":"moved on"}' },
    );
    servers.push(imds.server, plane.server);
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
    process.env.AWS_REGION = 'eu-west-1';
    try {
      await runnerCli([
        'node',
        'slipway',
        'runner',
        '--resource-class',
        'machine/medium',
        '--token-parameter',
        '/slipway/S/runners/',
        '--url',
        plane.url,
        '--once',
        '--work-dir',
        mkdtempSync(join(tmpdir(), 'slipway-runner-test-')),
      ]);
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      delete process.env.AWS_REGION;
    }
    const claims = plane.seen.filter((r) => r.url === '/runner/v1/claim');
    expect(claims).toHaveLength(1);
    expect(claims[0].headers.authorization).toBe('Bearer machine-token');
    expect(JSON.parse(claims[0].body)).toMatchObject({ name: 'i-0123456789abcdef0', resource_class: 'machine/medium' });
    expect(plane.seen.some((r) => r.url === '/runner/v1/task' && r.headers.authorization === 'Bearer task-jwt')).toBe(true);
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('refuses --terminate-instance off EC2 with a clear message, before claiming anything', async () => {
    const plane = await fakeServer(() => ({ status: 204 }));
    servers.push(plane.server);
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9';
    try {
      await expect(
        runnerCli(['node', 'slipway', 'runner', '--resource-class', 'machine/medium', '--token', 't', '--url', plane.url, '--once', '--terminate-instance']),
      ).rejects.toThrow(/instance metadata service \(IMDSv2\)/);
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    }
    expect(plane.seen).toHaveLength(0);
    expect(autoscaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)).toHaveLength(0);
  });
});
