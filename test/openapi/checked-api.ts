import type { DevServer } from '../support/dev-server';
import { loadSpecValidator } from './spec-validator';

const validator = loadSpecValidator();

/** Whether responses are being checked (the spec is present). */
export const specAvailable = validator !== undefined;

/** A response that does not match the spec: polling helpers rethrow it at once instead of retrying. */
export class SpecViolationError extends Error {}

/**
 * Wraps `server.api` so that every CircleCI API v2 response is validated against the OpenAPI spec's schema
 * for its path, method and status; violations fail the call at once (with the body, to fix the shape).
 * Routes the spec does not have (Slipway's own, the runner protocol, v1.1) pass through unchecked.
 */
export function checkedApi(server: DevServer): DevServer['api'] {
  return async (method, path, body, token) => {
    const res = await server.api(method, path, body, token);
    if (validator && path.startsWith('/api/v2/')) {
      const problems = validator.check(method, path, res.status, res.body);
      if (problems?.length) {
        throw new SpecViolationError(
          `Response does not match the CircleCI API spec:\n${problems.join('\n')}\nBody: ${JSON.stringify(res.body).slice(0, 2000)}`,
        );
      }
    }
    return res;
  };
}
