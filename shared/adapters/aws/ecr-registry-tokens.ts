import type { EcrCredentials, RegistryTokens } from '../../ports/registry-tokens';
import { sdk } from './lazy-sdk';

/**
 * {@link RegistryTokens} with the AWS SDK: ECR's GetAuthorizationToken signed with the image's access key, or
 * with the credentials STS AssumeRoleWithWebIdentity gives for the job's OIDC token (`oidc_role_arn`). The
 * endpoints are the SDK's (`AWS_ENDPOINT_URL_ECR`, `AWS_ENDPOINT_URL_STS` point them elsewhere).
 */
export class EcrRegistryTokens implements RegistryTokens {
  /** `endpoints`: ECR's and STS's, when not AWS's (tests' fakes); the SDK's environment variables apply otherwise. */
  constructor(private readonly endpoints: { ecr?: string; sts?: string } = {}) {}

  async ecrLogin({ region, credentials }: { region: string; credentials: EcrCredentials }): Promise<{ username: string; password: string }> {
    const { ECRClient, GetAuthorizationTokenCommand } = sdk.ecr();
    const ecr = new ECRClient({
      region,
      ...(this.endpoints.ecr && { endpoint: this.endpoints.ecr }),
      credentials:
        'roleArn' in credentials
          ? sdk.webIdentity().fromWebToken({ ...credentials, clientConfig: { region, ...(this.endpoints.sts && { endpoint: this.endpoints.sts }) } })
          : credentials,
      maxAttempts: 2,
    });
    try {
      const out = await ecr.send(new GetAuthorizationTokenCommand({}));
      const token = out.authorizationData?.[0]?.authorizationToken;
      const decoded = token ? Buffer.from(token, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error('ECR returned no authorization token');
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } finally {
      ecr.destroy();
    }
  }
}
