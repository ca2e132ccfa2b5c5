import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

interface FakeSecret {
  arn: string;
  tags: Array<{ Key?: string; Value?: string }>;
  /** Versions by client request token, oldest first; the last is AWSCURRENT. */
  versions: Array<{ token: string; value: string }>;
}

/**
 * Secrets Manager at the request level, as the registry login store uses it: CreateSecret (an existing name is a
 * `ResourceExistsException`; ARNs end in a random 6-character suffix, as AWS's do) and PutSecretValue (an unknown
 * secret is a `ResourceNotFoundException`; a request token already used with the same value adds no version, with
 * another value is a `ResourceExistsException`). Keeps every request for shape assertions.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeSecret>();
  readonly requests: Array<{ command: string; input: any }> = [];

  constructor(private readonly arnPrefix = 'arn:aws:secretsmanager:us-east-1:111122223333') {}

  client(): SecretsManagerClient {
    return {
      send: async (command: { constructor: { name: string }; input: any }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        this.requests.push({ command: name, input: command.input });
        return this.handle(name, command.input);
      },
    } as unknown as SecretsManagerClient;
  }

  /** The current value of the secret `name`. */
  current(name: string): string | undefined {
    return this.secrets.get(name)?.versions.at(-1)?.value;
  }

  private handle(command: string, input: any): unknown {
    switch (command) {
      case 'CreateSecret': {
        if (this.secrets.has(input.Name)) throw awsError('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`);
        const arn = `${this.arnPrefix}:secret:${input.Name}-${randomBytes(3).toString('hex')}`;
        this.secrets.set(input.Name, { arn, tags: input.Tags ?? [], versions: [{ token: input.ClientRequestToken, value: input.SecretString }] });
        return { ARN: arn, Name: input.Name, VersionId: input.ClientRequestToken };
      }
      case 'PutSecretValue': {
        const secret = [...this.secrets.entries()].find(([name, s]) => name === input.SecretId || s.arn === input.SecretId)?.[1];
        if (!secret) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        const same = secret.versions.find((v) => v.token === input.ClientRequestToken);
        if (same && same.value !== input.SecretString)
          throw awsError('ResourceExistsException', 'A version with this token already exists with another value.');
        if (!same) secret.versions.push({ token: input.ClientRequestToken, value: input.SecretString });
        return { ARN: secret.arn, VersionId: input.ClientRequestToken };
      }
      default:
        throw new Error(`FakeSecretsManager does not implement ${command}`);
    }
  }
}
