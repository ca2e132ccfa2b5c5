import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError, SlipwayError } from '../../shared/model/errors';
import { authenticate, tokenFromHeaders } from '../../shared/services/auth';
import type { ControlPlaneDeps } from '../../shared/services/deps';
import { compilePath, errorResult, parseEvent, toResult, type Route } from './http';

/** Routes an API Gateway v2 event to the first matching route; 404/405 with CircleCI-style bodies otherwise. */
export function createRouter(routes: Route[], log: (msg: string, err: unknown) => void) {
  const compiled = routes.map((r) => ({ ...r, regex: compilePath(r.path) }));
  return async (event: APIGatewayProxyEventV2, deps: ControlPlaneDeps): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const req = parseEvent(event);
      let pathMatched = false;
      for (const route of compiled) {
        const m = route.regex.exec(req.path);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        req.params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
        let user: Awaited<ReturnType<typeof authenticate>> | undefined;
        const res = await route.handle({
          deps,
          req,
          user: async () => (user ??= await authenticate(deps, tokenFromHeaders(req.headers))),
        });
        return toResult(res);
      }
      if (pathMatched) throw new SlipwayError(`Method ${req.method} is not allowed on ${req.path}.`, 405);
      throw new NotFoundError(`No route for ${req.method} ${req.path}. See the CircleCI API v2 reference.`);
    } catch (e) {
      return errorResult(e, log);
    }
  };
}
