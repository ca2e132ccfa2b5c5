import type { SSMClient } from '@aws-sdk/client-ssm';
import { MACHINE_CREDENTIAL_TAG } from '../../model/resource-classes';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

export interface SsmMachineCredentialsOptions {
  /** The parameter path of the credentials (`/slipway/<stack>/runners`); each instance's is `<path>/<instance id>`. */
  readonly path: string;
  /** `arn:<partition>:ec2:<region>:<account>:instance/`: the instance's ARN is this plus its id. */
  readonly instanceArnPrefix: string;
}

/**
 * Machine instance credentials as SSM SecureString parameters (encrypted with the account's SSM key), one per
 * instance, tagged with the instance's ARN. The machine role may `ssm:GetParameter` under the path only when that
 * tag equals `${ec2:SourceInstanceARN}` (infra/lib/constructs/machine-group.ts): only the instance itself, with its
 * own role credentials, can read its credential.
 */
export class SsmMachineCredentials {
  private readonly ssm: () => SSMClient;

  constructor(
    ssm: ClientSource<SSMClient>,
    private readonly options: SsmMachineCredentialsOptions,
  ) {
    this.ssm = clientOf(ssm);
  }

  parameterName(instanceId: string): string {
    return `${this.options.path.replace(/\/$/, '')}/${instanceId}`;
  }

  /** Creates the instance's parameter (replacing one from an earlier attempt: SSM cannot overwrite and tag at once). */
  async store(instanceId: string, credential: string): Promise<void> {
    await this.delete(instanceId);
    const { PutParameterCommand } = sdk.ssm();
    await this.ssm().send(
      new PutParameterCommand({
        Name: this.parameterName(instanceId),
        Value: credential,
        Type: 'SecureString',
        Description: `Slipway runner credential of ${instanceId} (one claim; deleted when the instance is retired)`,
        Tags: [{ Key: MACHINE_CREDENTIAL_TAG, Value: `${this.options.instanceArnPrefix}${instanceId}` }],
      }),
    );
  }

  async delete(instanceId: string): Promise<void> {
    const { DeleteParameterCommand } = sdk.ssm();
    try {
      await this.ssm().send(new DeleteParameterCommand({ Name: this.parameterName(instanceId) }));
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
  }
}
