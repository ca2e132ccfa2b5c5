import { SecretsManagerRegistryCredentials } from '../shared/adapters/aws/secrets-manager-registry-credentials';
import { createAwsClients, withProcessHooks } from '../shared/adapters/aws/clients';
import { EcsExecSessions } from '../shared/adapters/aws/ecs-exec-sessions';
import { KmsEnvelopeCipher } from '../shared/adapters/aws/kms-envelope-cipher';
import { KmsOidcSigningKey } from '../shared/adapters/aws/kms-oidc-signing-key';
import { sdk } from '../shared/adapters/aws/lazy-sdk';
import { PowertoolsJobMetrics } from '../shared/adapters/aws/powertools-job-metrics';
import { SecretValues } from '../shared/adapters/aws/secret-values';
import { SesMailer } from '../shared/adapters/aws/ses-mailer';
import { systemClock } from '../shared/ports/clock';
import { assembleDeps, cachedDeps, coreStores, type DepsProvider } from './assemble-deps';
import { createAwsCompute } from './aws-compute';
import { readEnv, type FunctionEnv } from './env';
import { traced } from './observability';

/**
 * The AWS deployment: keys in Secrets Manager or SSM and KMS, Fargate and EC2 compute, SES, CloudWatch metrics.
 * DynamoDB, S3 and SQS serve most requests; every other service's client is built, and its SDK package loaded, on
 * its adapter's first call (see `lazy-sdk.ts`).
 */
async function build(env: FunctionEnv) {
  const clients = createAwsClients(process.env);
  // X-Ray subsegments for every AWS call, in Lambda only (see `traced`).
  for (const client of [clients.dynamo, clients.s3, clients.sqs]) traced(client);
  // Secrets Manager secrets or SSM SecureString parameters (minimal profile), by the ARN the stack gives.
  const secretValues = new SecretValues({
    secrets: () => traced(withProcessHooks(new (sdk.secretsManager().SecretsManagerClient)({}))),
    ssm: () => traced(withProcessHooks(new (sdk.ssm().SSMClient)({}))),
  });
  const core = coreStores(clients, env);
  const compute = createAwsCompute(
    env,
    () => core.pipelines,
    () => core.runners,
  );
  return assembleDeps(env, clients, core, {
    signingKey: Buffer.from((await secretValues.read(env.SIGNING_KEY_SECRET_ARN ?? '', { generate: 64 })) ?? '', 'utf8'),
    cipher: new KmsEnvelopeCipher(() => traced(withProcessHooks(new (sdk.kms().KMSClient)({}))), env.KMS_KEY_ID ?? ''),
    oidcKey: new KmsOidcSigningKey(() => traced(withProcessHooks(new (sdk.kms().KMSClient)({}))), {
      alias: env.OIDC_KEY_ALIAS,
      previousAlias: env.OIDC_PREVIOUS_KEY_ALIAS,
    }),
    compute,
    machinePool: compute.machinePool,
    registryCredentials: env.REGISTRY_CREDENTIALS_PREFIX
      ? new SecretsManagerRegistryCredentials(
          () => traced(withProcessHooks(new (sdk.secretsManager().SecretsManagerClient)({}))),
          env.REGISTRY_CREDENTIALS_PREFIX,
        )
      : undefined,
    githubSecretJson: env.GITHUB_APP_SECRET_ARN ? await secretValues.read(env.GITHUB_APP_SECRET_ARN) : undefined,
    mailer: env.SLIPWAY_EMAIL_FROM ? new SesMailer(() => traced(new (sdk.sesv2().SESv2Client)({})), env.SLIPWAY_EMAIL_FROM) : undefined,
    metrics: new PowertoolsJobMetrics(),
    orbResolvers: [],
    gitDir: '/tmp',
    local: false,
    // Heartbeats of Fargate jobs rerun with SSH: ECS Exec sessions keep the job up as SSH sessions do.
    execSessions: new EcsExecSessions(
      () => traced(withProcessHooks(new (sdk.ecs().ECSClient)({}))),
      () => traced(withProcessHooks(new (sdk.ssm().SSMClient)({}))),
      { clock: systemClock },
    ),
  });
}

/** The composition root of every Lambda function (AWS only; the all-in-one has `local/composition.ts`). */
export const getDeps: DepsProvider = cachedDeps(() => build(readEnv()));
