import type { HandlerExecutionContext, InitializeHandlerArguments, InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { evaluatePolicy, type IamRequest } from './iam-policy';
import { iamRequestsOf, identifyCall, type CallLocation } from './iam-requests';
import { rolesFromTemplate, type ResolvedRole, type TemplateBinding } from './iam-template';

const acting = new AsyncLocalStorage<string>();

/**
 * Runs `fn` as the named function (`api`, `pipelines`, ...): AWS calls made inside it, however deep in async
 * continuations, are checked against that function's role. The local runtime wraps each handler invocation.
 */
export function runAsFunction<T>(name: string, fn: () => T): T {
  return acting.run(name, fn);
}

/** The function whose handler is running, if any. */
export function actingFunction(): string | undefined {
  return acting.getStore();
}

/** AWS's answer to a call the caller's policies do not allow: same name, status and message shape. */
export class AccessDeniedError extends Error {
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 403 };
  readonly Code: string;
  constructor(
    readonly service: string,
    readonly request: IamRequest,
    readonly principal: string,
    explicit: boolean,
  ) {
    const because = explicit ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${request.action} action`;
    super(`User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${because}`);
    // S3 and SQS name it AccessDenied; DynamoDB, KMS, Secrets Manager, ECS and Auto Scaling AccessDeniedException.
    this.name = service === 's3' || service === 'sqs' ? 'AccessDenied' : 'AccessDeniedException';
    this.Code = this.name;
  }
}

export interface IamEnforcerOptions extends Partial<Omit<CallLocation, 'groupOfInstance'>> {
  /** Each function's role; a function (called on first use) when it must wait for the runtime's environment. */
  readonly roles: Readonly<Record<string, ResolvedRole>> | (() => Readonly<Record<string, ResolvedRole>>);
  readonly groupOfInstance?: CallLocation['groupOfInstance'];
  /** Called with each denial before it is thrown (the local runtime logs them). */
  readonly onDeny?: (error: AccessDeniedError) => void;
}

/**
 * Enforces each function's IAM role, read from the synthesized CloudFormation template, on every SDK call made
 * while that function runs ({@link runAsFunction}). Calls outside any function (provisioning, test set-up) are
 * not checked. Presigning runs the same middleware, so a URL is only handed out if its signer may use it.
 */
export class IamEnforcer {
  private readonly at: CallLocation;
  private roles?: Readonly<Record<string, ResolvedRole>>;

  constructor(private readonly options: IamEnforcerOptions) {
    this.at = {
      partition: options.partition ?? 'aws',
      region: options.region ?? 'us-east-1',
      account: options.account ?? LOCAL_ACCOUNT,
      groupOfInstance: options.groupOfInstance,
    };
  }

  /** Throws {@link AccessDeniedError} unless `fn`'s role allows every request of the call. */
  check(fn: string, clientName: string | undefined, commandName: string | undefined, input: Record<string, any>): void {
    const roles = (this.roles ??= typeof this.options.roles === 'function' ? this.options.roles() : this.options.roles);
    const role = roles[fn];
    const { service, operation } = identifyCall(clientName, commandName);
    const principal = `arn:${this.at.partition}:sts::${this.at.account}:assumed-role/${role?.roleName ?? `unknown-${fn}`}/slipway-${fn}`;
    for (const request of iamRequestsOf(service, operation, input, this.at)) {
      const decision = role ? evaluatePolicy(role.statements, request) : 'implicit-deny';
      if (decision === 'allow') continue;
      const error = new AccessDeniedError(service, request, principal, decision === 'explicit-deny');
      this.options.onDeny?.(error);
      throw error;
    }
  }

  middleware(): InitializeMiddleware<any, MetadataBearer> {
    return (next, context: HandlerExecutionContext) => async (args: InitializeHandlerArguments<any>) => {
      const fn = actingFunction();
      if (fn) this.check(fn, context.clientName, context.commandName, (args.input ?? {}) as Record<string, any>);
      return next(args);
    };
  }
}

/** The account id local mode and the tests use in ARNs. */
export const LOCAL_ACCOUNT = '000000000000';

/**
 * The enforcer the environment asks for: `SLIPWAY_IAM_ENFORCE=1` with `SLIPWAY_IAM_TEMPLATE` naming the synthesized
 * template (JSON). Resources are bound to this process's own (`TABLE_NAME`, `BUCKET_NAME`, the queue URLs, ...).
 */
export function enforcerFromEnv(env: NodeJS.ProcessEnv, onDeny?: (e: AccessDeniedError) => void): IamEnforcer | undefined {
  if (env.SLIPWAY_IAM_ENFORCE !== '1') return undefined;
  const file = env.SLIPWAY_IAM_TEMPLATE;
  if (!file) throw new Error('SLIPWAY_IAM_ENFORCE=1 needs SLIPWAY_IAM_TEMPLATE: the path of the synthesized template (see test/support/iam-template.js).');
  const template: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const binding: TemplateBinding = { region: env.AWS_REGION ?? 'us-east-1', account: LOCAL_ACCOUNT, environment: env };
  // Bound on first use: the local runtime sets TABLE_NAME, the queue URLs, ... after building its first clients.
  return new IamEnforcer({ roles: () => rolesFromTemplate(template, binding), region: binding.region, account: binding.account, onDeny });
}
