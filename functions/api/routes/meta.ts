import { json, type Route } from '../http';

export const metaRoutes: Route[] = [{ method: 'GET', path: '/healthz', handle: async () => json(200, { status: 'ok' }) }];
