import { createHash } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { REGISTRY_CREDENTIAL_TAG } from '../../model/resource-classes';
import type { RegistryCredentialStore, RegistryLogin } from '../../ports/registry-credentials';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The secret's name: the stack's prefix plus a digest of (project, registry, username); no name part is user text. */
export function registryCredentialSecretName(prefix: string, login: Pick<RegistryLogin, 'projectSlug' | 'registry' | 'username'>): string {
  return `${prefix}${sha256(`${login.projectSlug}\u0000${login.registry}\u0000${login.username}`).slice(0, 40)}`;
}

/**
 * Registry logins in Secrets Manager as `{"username","password"}`, the format ECS's `repositoryCredentials`
 * reads. Create, else (the secret exists) put the value; both carry a request token derived from the value, so
 * storing an unchanged login again adds no version. Encrypted with the account's Secrets Manager key, which the
 * task execution role decrypts through Secrets Manager without a key grant.
 */
export class SecretsManagerRegistryCredentials implements RegistryCredentialStore {
  private readonly client: () => SecretsManagerClient;

  constructor(
    client: ClientSource<SecretsManagerClient>,
    /** Name prefix of this stack's registry secrets (`REGISTRY_CREDENTIALS_PREFIX`), e.g. `slipway/<stack>/registry/`. */
    private readonly prefix: string,
  ) {
    this.client = clientOf(client);
  }

  async store(login: RegistryLogin): Promise<string> {
    const { CreateSecretCommand, PutSecretValueCommand } = sdk.secretsManager();
    const name = registryCredentialSecretName(this.prefix, login);
    const value = JSON.stringify({ username: login.username, password: login.password });
    const token = sha256(`${name}\u0000${value}`).slice(0, 64);
    try {
      const created = await this.client().send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ClientRequestToken: token,
          Description: `Registry login of ${login.projectSlug} for ${login.registry} (Slipway; Fargate pulls the project's images with it)`,
          Tags: [{ Key: REGISTRY_CREDENTIAL_TAG, Value: login.registry }],
        }),
      );
      return created.ARN!;
    } catch (error) {
      if ((error as Error).name !== 'ResourceExistsException') throw error;
    }
    const put = await this.client().send(new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: token }));
    return put.ARN!;
  }
}
