import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError, SlipwayError } from '../../shared/model/errors';
import { authenticate, tokenFromRequest } from '../../shared/services/identity/auth';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { errorResult, parseEvent, toResult, type Route } from './http';
import { compilePattern, decodeSegments, matchPattern } from './path-match';
import { notFoundMessage } from './v1-hints';

/** Routes an API Gateway v2 event to the first matching route; 404/405 with CircleCI-style bodies otherwise. */
export function createRouter(routes: Route[], log: (msg: string, err: unknown) => void) {
  const compiled = routes.map((r) => ({ ...r, pattern: compilePattern(r.path) }));
  return async (event: APIGatewayProxyEventV2, deps: ControlPlaneDeps): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const segments = decodeSegments(event.rawPath);
      const req = parseEvent(event);
      let pathMatched = false;
      for (const route of compiled) {
        const params = matchPattern(route.pattern, segments);
        if (!params) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        req.params = params;
        let user: Awaited<ReturnType<typeof authenticate>> | undefined;
        const res = await route.handle({
          deps,
          req,
          user: async () => (user ??= await authenticate(deps, tokenFromRequest(req.headers, req.query))),
        });
        return countServerError(toResult(res), deps);
      }
      if (pathMatched) throw new SlipwayError(`Method ${req.method} is not allowed on ${req.path}.`, 405);
      throw new NotFoundError(notFoundMessage(req.method, req.path));
    } catch (e) {
      return countServerError(errorResult(e, log), deps);
    }
  };
}

/** Responses of 500 and more feed the `ApiServerErrors` alarm (a Lambda error metric never sees them). */
function countServerError(result: APIGatewayProxyStructuredResultV2, deps: ControlPlaneDeps): APIGatewayProxyStructuredResultV2 {
  if ((result.statusCode ?? 200) >= 500) deps.metrics?.record('ApiServerErrors', 1);
  return result;
}
