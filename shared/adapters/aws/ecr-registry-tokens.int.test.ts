import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EcrRegistryTokens } from './ecr-registry-tokens';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * ECR and STS as the SDK reaches them (no emulator for either): ECR's JSON 1.1 GetAuthorizationToken and STS's
 * query AssumeRoleWithWebIdentity, answered with AWS's documented response shapes; every request is kept.
 */
function fakeAws(): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.headers['x-amz-target'] === 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        const token = Buffer.from('AWS:ecr-registry-password').toString('base64');
        return res.end(
          JSON.stringify({
            authorizationData: [{ authorizationToken: token, expiresAt: 1_900_000_000, proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' }],
          }),
        );
      }
      if (new URLSearchParams(body).get('Action') === 'AssumeRoleWithWebIdentity') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>ASIAROLEKEY</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ecr-pull/slipway-job</Arn><AssumedRoleId>AROA:slipway-job</AssumedRoleId></AssumedRoleUser>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`);
      }
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'unexpected request' }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })),
  );
}

describe('ECR registry logins for aws_auth (AWS SDK against a fake ECR and STS)', () => {
  let aws: Awaited<ReturnType<typeof fakeAws>>;
  beforeEach(async () => (aws = await fakeAws()));
  afterEach(() => aws.server.close());

  it("signs GetAuthorizationToken with the image's access key in the registry's region and decodes the login", async () => {
    const login = await new EcrRegistryTokens({ ecr: aws.url }).ecrLogin({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAIMAGEKEY', secretAccessKey: 'image-secret' },
    });
    expect(login).toEqual({ username: 'AWS', password: 'ecr-registry-password' });
    expect(aws.seen).toHaveLength(1);
    const [req] = aws.seen;
    expect(req.headers['x-amz-target']).toBe('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIMAGEKEY\/\d{8}\/eu-west-1\/ecr\/aws4_request,/);
    expect(JSON.parse(req.body)).toEqual({});
    expect(req.headers['x-amz-security-token']).toBeUndefined();
  });

  it("assumes oidc_role_arn with the job's OIDC token, then signs with the role's session credentials", async () => {
    const tokens = new EcrRegistryTokens({ ecr: aws.url, sts: aws.url });
    const login = await tokens.ecrLogin({
      region: 'us-east-2',
      credentials: { roleArn: 'arn:aws:iam::123456789012:role/ecr-pull', webIdentityToken: 'job.oidc.jwt', roleSessionName: 'slipway-job-1' },
    });
    expect(login).toEqual({ username: 'AWS', password: 'ecr-registry-password' });
    const [sts, ecr] = aws.seen;
    const form = new URLSearchParams(sts.body);
    expect(Object.fromEntries(form)).toMatchObject({
      Action: 'AssumeRoleWithWebIdentity',
      RoleArn: 'arn:aws:iam::123456789012:role/ecr-pull',
      WebIdentityToken: 'job.oidc.jwt',
      RoleSessionName: 'slipway-job-1',
    });
    // AssumeRoleWithWebIdentity is unsigned: the token is the credential.
    expect(sts.headers.authorization).toBeUndefined();
    expect(ecr.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAROLEKEY\/\d{8}\/us-east-2\/ecr\/aws4_request,/);
    expect(ecr.headers['x-amz-security-token']).toBe('role-session-token');
  });

  it("fails with ECR's error when the credentials are refused", async () => {
    aws.server.removeAllListeners('request');
    aws.server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }));
      });
    });
    await expect(
      new EcrRegistryTokens({ ecr: aws.url }).ecrLogin({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIABAD', secretAccessKey: 'x' } }),
    ).rejects.toThrow(/security token included in the request is invalid/);
  });
});
