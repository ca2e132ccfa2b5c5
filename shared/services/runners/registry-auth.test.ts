import type { DockerImage } from '../../config/plan';
import type { EcrCredentials, RegistryTokens } from '../../ports/registry-tokens';
import { ecrRegistryOf, expandAuthValue, resolveRegistryAuth } from './registry-auth';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2';
const image = (over: Partial<DockerImage>): DockerImage => ({ image: 'cimg/base:stable', environment: {}, ...over });

/** ECR's login as RegistryTokens gives it (the SDK side is tested against a fake ECR in ecr-registry-tokens.int.test.ts). */
function tokens(fail?: string): RegistryTokens & { calls: Array<{ region: string; credentials: EcrCredentials }> } {
  const calls: Array<{ region: string; credentials: EcrCredentials }> = [];
  return {
    calls,
    async ecrLogin(req) {
      calls.push(req);
      if (fail) throw new Error(fail);
      return { username: 'AWS', password: `token-for-${req.region}` };
    },
  };
}

describe("registry logins of a job's images", () => {
  it('knows an ECR image by its registry host, with its account and region', () => {
    expect(ecrRegistryOf(ECR_IMAGE)).toEqual({ host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', account: '123456789012', region: 'eu-west-1' });
    expect(ecrRegistryOf('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app')?.region).toBe('us-gov-west-1');
    expect(ecrRegistryOf('cimg/base:stable')).toBeUndefined();
    expect(ecrRegistryOf('public.ecr.aws/docker/library/node:20')).toBeUndefined();
  });

  it('expands $NAME and ${NAME} from the job environment, naming a variable that is not set', () => {
    expect(expandAuthValue('$USER_A-${PASS_B}', { USER_A: 'u', PASS_B: 'p' }, 'auth.password')).toBe('u-p');
    expect(() => expandAuthValue('$MISSING', {}, 'auth.password of image x')).toThrow(
      'auth.password of image x uses $MISSING, which is not set: add it as a project environment variable or in a context of the job.',
    );
  });

  it("turns aws_auth access keys into an ECR login in the registry's region, masked", async () => {
    const t = tokens();
    const env = { ECR_KEY: 'AKIAFROMENV', ECR_SECRET: 'secret-from-env' };
    const out = await resolveRegistryAuth(
      [image({ image: ECR_IMAGE, awsAuth: { aws_access_key_id: '$ECR_KEY', aws_secret_access_key: '${ECR_SECRET}' } }), image({})],
      env,
      t,
      'job-1',
    );
    expect(t.calls).toEqual([{ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAFROMENV', secretAccessKey: 'secret-from-env' } }]);
    expect(out.images[0]).toEqual({ image: ECR_IMAGE, environment: {}, auth: { username: 'AWS', password: 'token-for-eu-west-1' } });
    expect(out.images[1]).toEqual(image({}));
    expect(out.secrets).toEqual(['token-for-eu-west-1']);
  });

  it("assumes oidc_role_arn with the job's OIDC token", async () => {
    const t = tokens();
    await resolveRegistryAuth(
      [image({ image: ECR_IMAGE, awsAuth: { oidc_role_arn: 'arn:aws:iam::123456789012:role/pull' } })],
      { CIRCLE_OIDC_TOKEN: 'jwt' },
      t,
      'job-7',
    );
    expect(t.calls[0].credentials).toEqual({ roleArn: 'arn:aws:iam::123456789012:role/pull', webIdentityToken: 'jwt', roleSessionName: 'slipway-job-7' });
  });

  it('expands auth username and password, masking the password', async () => {
    const out = await resolveRegistryAuth([image({ auth: { username: 'bot', password: '$HUB_PASSWORD' } })], { HUB_PASSWORD: 'hub-secret' }, tokens(), 'j');
    expect(out.images[0].auth).toEqual({ username: 'bot', password: 'hub-secret' });
    expect(out.secrets).toEqual(['hub-secret']);
  });

  it('says why an image has no login instead of failing the job spec', async () => {
    const out = await resolveRegistryAuth(
      [
        image({ image: 'cimg/base:stable', awsAuth: { aws_access_key_id: 'a', aws_secret_access_key: 'b' } }),
        image({ image: ECR_IMAGE, awsAuth: { aws_access_key_id: 'a' } }),
        image({ image: ECR_IMAGE, awsAuth: { oidc_role_arn: 'arn:aws:iam::1:role/r' } }),
        image({ auth: { username: 'u', password: '$NOPE' } }),
      ],
      {},
      tokens(),
      'j',
    );
    expect(out.images.map((i) => i.authError)).toEqual([
      'aws_auth is for Amazon ECR images (<account>.dkr.ecr.<region>.amazonaws.com/<repository>); cimg/base:stable is not one. Use auth (username, password) for other registries.',
      `Amazon ECR login for ${ECR_IMAGE} failed: aws_auth of image ${ECR_IMAGE} needs aws_access_key_id and aws_secret_access_key, or oidc_role_arn.`,
      `Amazon ECR login for ${ECR_IMAGE} failed: aws_auth.oidc_role_arn of image ${ECR_IMAGE} needs the job's OIDC token (CIRCLE_OIDC_TOKEN), which this job has none of.`,
      'auth.password of image cimg/base:stable uses $NOPE, which is not set: add it as a project environment variable or in a context of the job.',
    ]);
    expect(out.images.every((i) => !i.auth && !i.awsAuth)).toBe(true);
    expect(out.secrets).toEqual([]);
  });

  it("reports ECR's refusal as the image's error", async () => {
    const out = await resolveRegistryAuth(
      [image({ image: ECR_IMAGE, awsAuth: { aws_access_key_id: 'a', aws_secret_access_key: 'b' } })],
      {},
      tokens('The security token included in the request is invalid.'),
      'j',
    );
    expect(out.images[0].authError).toBe(`Amazon ECR login for ${ECR_IMAGE} failed: The security token included in the request is invalid.`);
  });
});
