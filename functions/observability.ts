import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Powertools logger per function runtime. Its level comes from configuration: `POWERTOOLS_LOG_LEVEL` (the
 * stack sets it from `-c logLevel=`), then `LOG_LEVEL`, else INFO (Powertools' own order; a level given here in
 * code would override both).
 */
export const logger = new Logger({ serviceName: 'slipway' });

/**
 * X-Ray tracing of the AWS SDK calls. Powertools enables it only inside Lambda (`AWS_EXECUTION_ENV` set) unless
 * `POWERTOOLS_TRACE_ENABLED=false`; elsewhere (local mode, tests) {@link traced} returns the client untouched.
 */
export const tracer = new Tracer({ serviceName: 'slipway' });

/** Instruments an SDK client (a subsegment per call, with its service, operation and status) when tracing is on. */
export function traced<T>(client: T, by: Tracer = tracer): T {
  return by.captureAWSv3Client(client);
}

export const logError = (message: string, error: unknown): void => logger.error(message, error as Error);
