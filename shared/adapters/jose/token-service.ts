import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../model/errors';
import type { TaskClaims, TokenSigner } from '../../ports/token-signer';

/**
 * Signs and verifies the short-lived tokens the control plane hands out: task tokens (scoped to one job
 * task and attempt, for the agent) and output tokens (for `output_url` links). HS256 with a key from the
 * data folder (local) or Secrets Manager (AWS).
 */
export class TokenService implements TokenSigner {
  constructor(private readonly key: Uint8Array) {}

  signTask(claims: TaskClaims, ttlSeconds: number): Promise<string> {
    return new SignJWT({ ...claims, kind: 'task' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(`${ttlSeconds}s`).sign(this.key);
  }

  async verifyTask(token: string): Promise<TaskClaims> {
    const payload = await this.verify(token, 'task');
    return { workflowId: String(payload.workflowId), jobId: String(payload.jobId), taskIndex: Number(payload.taskIndex), attempt: Number(payload.attempt) };
  }

  /**
   * A one-time code for a task (its claims and a random id): what compute whose launch parameters are recorded
   * (ECS RunTask overrides in CloudTrail, container environments) hands the agent instead of a task token. The
   * agent exchanges it once for the token ({@link exchangeTaskCode}).
   */
  signTaskCode(claims: TaskClaims, ttlSeconds: number): Promise<string> {
    return new SignJWT({ ...claims, kind: 'task-code' })
      .setProtectedHeader({ alg: 'HS256' })
      .setJti(randomBytes(16).toString('hex'))
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** The claims of a task code, its id (single use is recorded under it) and when it expires (epoch seconds). */
  async verifyTaskCode(code: string): Promise<TaskClaims & { codeId: string; expiresAt: number }> {
    const payload = await this.verify(code, 'task-code');
    if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number') throw new UnauthorizedError('Invalid task code: it has no id or expiry.');
    return {
      workflowId: String(payload.workflowId),
      jobId: String(payload.jobId),
      taskIndex: Number(payload.taskIndex),
      attempt: Number(payload.attempt),
      codeId: payload.jti,
      expiresAt: payload.exp,
    };
  }

  signResource(resource: string, ttlSeconds: number): Promise<string> {
    return new SignJWT({ resource, kind: 'resource' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(`${ttlSeconds}s`).sign(this.key);
  }

  async verifyResource(token: string, resource: string): Promise<void> {
    const payload = await this.verify(token, 'resource');
    if (payload.resource !== resource) throw new UnauthorizedError('This link is for another resource.');
  }

  private async verify(token: string, kind: string): Promise<Record<string, unknown>> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      if (payload.kind !== kind) throw new Error(`not a ${kind} token`);
      return payload as Record<string, unknown>;
    } catch (e) {
      throw new UnauthorizedError(`Invalid or expired ${kind} token: ${(e as Error).message}`);
    }
  }
}

/** SHA-256 hex of an API token: what the store keeps. */
