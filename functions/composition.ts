import { KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createAwsClients, withProcessHooks } from '../shared/adapters/aws/clients';
import { KmsEnvelopeCipher } from '../shared/adapters/aws/kms-envelope-cipher';
import { KmsOidcSigningKey } from '../shared/adapters/aws/kms-oidc-signing-key';
import { PowertoolsJobMetrics } from '../shared/adapters/aws/powertools-job-metrics';
import { SesMailer } from '../shared/adapters/aws/ses-mailer';
import { assembleDeps, cachedDeps, coreStores, type DepsProvider } from './assemble-deps';
import { createAwsCompute } from './aws-compute';
import { readEnv, type FunctionEnv } from './env';

async function secretString(arn: string): Promise<string | undefined> {
  const secret = await withProcessHooks(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: arn }));
  return secret.SecretString;
}

/** The AWS deployment: keys in Secrets Manager and KMS, Fargate and EC2 compute, SES, CloudWatch metrics. */
async function build(env: FunctionEnv) {
  const clients = createAwsClients(process.env);
  const core = coreStores(clients, env);
  const compute = createAwsCompute(env, () => core.pipelines, () => core.runners);
  return assembleDeps(env, clients, core, {
    signingKey: Buffer.from((await secretString(env.SIGNING_KEY_SECRET_ARN ?? '')) ?? '', 'utf8'),
    cipher: new KmsEnvelopeCipher(withProcessHooks(new KMSClient({})), env.KMS_KEY_ID ?? ''),
    oidcKey: new KmsOidcSigningKey(withProcessHooks(new KMSClient({})), { alias: env.OIDC_KEY_ALIAS, previousAlias: env.OIDC_PREVIOUS_KEY_ALIAS }),
    compute,
    machinePool: compute.machinePool,
    githubSecretJson: env.GITHUB_APP_SECRET_ARN ? await secretString(env.GITHUB_APP_SECRET_ARN) : undefined,
    mailer: env.SLIPWAY_EMAIL_FROM ? new SesMailer(new SESv2Client({}), env.SLIPWAY_EMAIL_FROM) : undefined,
    metrics: new PowertoolsJobMetrics(),
    orbResolvers: [],
    gitDir: '/tmp',
    local: false,
  });
}

/** The composition root of every Lambda function (AWS only; the all-in-one has `local/composition.ts`). */
export const getDeps: DepsProvider = cachedDeps(() => build(readEnv()));
