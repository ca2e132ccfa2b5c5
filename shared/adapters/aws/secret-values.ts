import { randomBytes } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { sdk } from './lazy-sdk';

/**
 * Reads a secret the stack declares, by ARN: a Secrets Manager secret (`standard` profile) or an SSM SecureString
 * parameter (`minimal` profile; CloudFormation cannot create SecureString parameters, so a generated secret is
 * created by the first function that reads it, with a conditional put: two concurrent first readers end with the
 * same value). Returns undefined for a parameter nobody has put yet (e.g. the GitHub App before setup).
 */
export class SecretValues {
  constructor(private readonly clients: { secrets: () => SecretsManagerClient; ssm: () => SSMClient }) {}

  /** The value; `generate`: create a random one (this many characters, alphanumeric) if the parameter is missing. */
  async read(arn: string, options: { generate?: number } = {}): Promise<string | undefined> {
    const name = parameterName(arn);
    if (!name) {
      const { GetSecretValueCommand } = sdk.secretsManager();
      const out = await this.clients.secrets().send(new GetSecretValueCommand({ SecretId: arn }));
      return out.SecretString;
    }
    const existing = await this.get(name);
    if (existing !== undefined || !options.generate) return existing;
    const { PutParameterCommand } = sdk.ssm();
    try {
      await this.clients.ssm().send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: randomValue(options.generate), Overwrite: false }));
    } catch (e) {
      if ((e as Error).name !== 'ParameterAlreadyExists') throw e;
    }
    return this.get(name);
  }

  /**
   * Replaces the value (an operator storing the GitHub App): `target` is a Secrets Manager secret name or ARN, or
   * an SSM parameter name (`/slipway/...`) or ARN.
   */
  async write(target: string, value: string): Promise<void> {
    const name = parameterName(target) ?? (target.startsWith('/') ? target : undefined);
    if (name) {
      const { PutParameterCommand } = sdk.ssm();
      await this.clients.ssm().send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: value, Overwrite: true }));
    } else {
      const { PutSecretValueCommand } = sdk.secretsManager();
      await this.clients.secrets().send(new PutSecretValueCommand({ SecretId: target, SecretString: value }));
    }
  }

  private async get(name: string): Promise<string | undefined> {
    const { GetParameterCommand } = sdk.ssm();
    try {
      const out = await this.clients.ssm().send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value;
    } catch (e) {
      if ((e as Error).name === 'ParameterNotFound') return undefined;
      throw e;
    }
  }
}

/** The parameter name (`/slipway/...`) of an SSM parameter ARN; undefined for any other ARN. */
export function parameterName(arn: string): string | undefined {
  const m = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.+)$/.exec(arn);
  return m?.[1];
}

function randomValue(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps the characters uniform (248 = 4 × 62).
  for (const b of bytes) if (b < 248 && out.length < length) out += alphabet[b % 62];
  return out.length === length ? out : randomValue(length);
}
