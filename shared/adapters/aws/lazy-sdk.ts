/**
 * AWS SDK packages a function seldom needs, loaded on first use instead of when the bundle loads: initialising a
 * client package costs 5-50 ms of a Lambda cold start even when the request never calls that service. The hot
 * path's packages (DynamoDB, S3 and its presigner, SQS) are imported as usual; every other adapter takes its
 * command classes from {@link sdk} when a call needs them and its client as a {@link ClientSource}.
 *
 * `require`, not `import()`: the Lambda bundles keep `@aws-sdk/*` external and esbuild leaves an external
 * `import()` as it is, which Node resolves as an ES module, without `NODE_PATH` (where the Lambda runtime
 * provides the SDK). Types come from `import type`, which bundles nothing.
 */

/** The value `load` returns, computed on the first call and kept (a failed load is tried again next time). */
export function once<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

/** The SDK packages loaded on first use. */
export const sdk = {
  autoScaling: once(() => require('@aws-sdk/client-auto-scaling') as typeof import('@aws-sdk/client-auto-scaling')),
  ecr: once(() => require('@aws-sdk/client-ecr') as typeof import('@aws-sdk/client-ecr')),
  ecs: once(() => require('@aws-sdk/client-ecs') as typeof import('@aws-sdk/client-ecs')),
  kms: once(() => require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms')),
  secretsManager: once(() => require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager')),
  sesv2: once(() => require('@aws-sdk/client-sesv2') as typeof import('@aws-sdk/client-sesv2')),
  ssm: once(() => require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm')),
  storage: once(() => require('@aws-sdk/lib-storage') as typeof import('@aws-sdk/lib-storage')),
  webIdentity: once(() => require('@aws-sdk/credential-provider-web-identity') as typeof import('@aws-sdk/credential-provider-web-identity')),
};

/**
 * An SDK client as an adapter receives it: built already (tests, the CLI), or how to build it, which runs on the
 * adapter's first call (composition roots, so that the client's package loads only then).
 */
export type ClientSource<C extends object> = C | (() => C);

/** The client of a {@link ClientSource}, built once on first use. */
export function clientOf<C extends object>(source: ClientSource<C>): () => C {
  return typeof source === 'function' ? once(source as () => C) : () => source;
}
