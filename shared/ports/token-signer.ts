/** The job task a task token (or one-time task code) is for. */
export interface TaskClaims {
  workflowId: string;
  jobId: string;
  taskIndex: number;
  attempt: number;
}

/**
 * Signs and verifies the short-lived tokens the control plane hands out: task tokens (one job task and attempt,
 * for its agent), one-time task codes (exchanged once for a task token) and resource tokens (`output_url` links).
 *
 * Semantics: pure functions of the signer's key and the clock; safe to call concurrently. `verify*` rejects with
 * `UnauthorizedError` for a token that is malformed, signed by another key, of another kind or expired.
 */
export interface TokenSigner {
  signTask(claims: TaskClaims, ttlSeconds: number): Promise<string>;
  verifyTask(token: string): Promise<TaskClaims>;
  signTaskCode(claims: TaskClaims, ttlSeconds: number): Promise<string>;
  verifyTaskCode(code: string): Promise<TaskClaims & { codeId: string; expiresAt: number }>;
  signResource(resource: string, ttlSeconds: number): Promise<string>;
  verifyResource(token: string, resource: string): Promise<void>;
}
