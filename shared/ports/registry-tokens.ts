/** AWS credentials of an image's `aws_auth`: an access key, or a role the job's OIDC token assumes. */
export type EcrCredentials = { accessKeyId: string; secretAccessKey: string } | { roleArn: string; webIdentityToken: string; roleSessionName: string };

/**
 * Amazon ECR's registry login for an image with `aws_auth` (GetAuthorizationToken with the image's
 * credentials, in the registry's region): the user name and password `docker login` takes. A token lasts 12
 * hours.
 */
export interface RegistryTokens {
  ecrLogin(request: { region: string; credentials: EcrCredentials }): Promise<{ username: string; password: string }>;
}
