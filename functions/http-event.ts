import type { ALBEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The HTTP functions are reached through API Gateway (HTTP API, payload v2) for a public installation and
 * through an internal Application Load Balancer for a private one. This turns an ALB event into the v2 shape
 * so routing and parsing have one input; v2 events pass through unchanged. Results in the v2 structured form
 * (`statusCode`, `headers`, `body`, `isBase64Encoded`) are valid for both.
 */
export function toHttpApiEvent(event: APIGatewayProxyEventV2 | ALBEvent): APIGatewayProxyEventV2 {
  if (!('httpMethod' in event)) return event;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(event.multiValueHeaders ?? {})) if (v) headers[k.toLowerCase()] = v.join(',');
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = safeDecode(v);
  for (const [k, v] of Object.entries(event.multiValueQueryStringParameters ?? {})) if (v) query[k] = v.map(safeDecode).join(',');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: event.path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    body: event.body ?? undefined,
    isBase64Encoded: event.isBase64Encoded,
    requestContext: {
      accountId: 'alb',
      apiId: 'alb',
      domainName: headers.host ?? '',
      domainPrefix: '',
      http: {
        method: event.httpMethod,
        path: event.path,
        protocol: 'HTTP/1.1',
        sourceIp: headers['x-forwarded-for']?.split(',')[0] ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: headers['x-amzn-trace-id'] ?? '',
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

/** ALB passes query values URL-encoded as received. */
function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    return v;
  }
}
