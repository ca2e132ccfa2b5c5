import { Logger } from '@aws-lambda-powertools/logger';

/** One Powertools logger per function runtime; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger({ serviceName: 'slipway', logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });

export const logError = (message: string, error: unknown): void => logger.error(message, error as Error);
