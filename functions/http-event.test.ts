import type { ALBEvent } from 'aws-lambda';
import { toHttpApiEvent } from './http-event';

describe('toHttpApiEvent', () => {
  it('turns an ALB event into the HTTP API v2 shape with decoded query values and lower-case headers', () => {
    const alb: ALBEvent = {
      requestContext: { elb: { targetGroupArn: 'arn:tg' } },
      httpMethod: 'POST',
      path: '/api/v2/project/gh/acme/demo/pipeline',
      queryStringParameters: { branch: 'feature%2Fx' },
      headers: { 'Circle-Token': 't', 'Content-Type': 'application/json', host: 'ci.internal' },
      body: '{"branch":"main"}',
      isBase64Encoded: false,
    };
    const v2 = toHttpApiEvent(alb);
    expect(v2.requestContext.http.method).toBe('POST');
    expect(v2.rawPath).toBe('/api/v2/project/gh/acme/demo/pipeline');
    expect(v2.queryStringParameters).toEqual({ branch: 'feature/x' });
    expect(v2.headers['circle-token']).toBe('t');
    expect(v2.body).toBe('{"branch":"main"}');
  });

  it('passes an HTTP API v2 event through unchanged', () => {
    const v2 = toHttpApiEvent({ version: '2.0', rawPath: '/healthz', requestContext: { http: { method: 'GET' } } } as never);
    expect(v2.rawPath).toBe('/healthz');
  });
});
