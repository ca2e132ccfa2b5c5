import { json, type Route } from '../http';

export const metaRoutes: Route[] = [
  { method: 'GET', path: '/healthz', handle: async () => json(200, { status: 'ok' }) },
  {
    method: 'GET',
    path: '/api/v2/me',
    async handle(ctx) {
      const user = await ctx.user();
      return json(200, { id: user.id, login: user.login, name: user.name });
    },
  },
];
