import { ValidationError } from '../../../shared/model/errors';
import { apiProject } from '../api-shapes';
import { roleIn } from '../../../shared/services/identity/auth';
import { json, type Route } from '../http';

const MAX_PAGE = 100;

function pageSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return MAX_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new ValidationError(`Invalid page-size "${raw}": use a whole number from 1 to ${MAX_PAGE}.`);
  return n;
}

/** The page token is the last slug of the previous page (opaque to clients). */
function afterSlug(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const slug = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[a-z]+\/[^/]+\/[^/]+$/.test(slug)) throw new ValidationError('Invalid page-token: pass the next_page_token of the previous page unchanged.');
  return slug;
}

/**
 * `GET /api/v2/slipway/projects`: the projects the caller can see (every project for instance admins,
 * otherwise those of organisations where the caller has a role), ordered by slug, `page-size` (≤ 100) per
 * page with `next_page_token`; `org-slug` narrows to one organisation. CircleCI's API has no such list.
 */
export const projectListRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/slipway/projects',
    async handle(ctx) {
      const user = await ctx.user();
      const size = pageSize(ctx.req.query['page-size']);
      const after = afterSlug(ctx.req.query['page-token']);
      const org = ctx.req.query['org-slug'];
      const visible = (await ctx.deps.projects.listProjects())
        .filter((p) => roleIn(user, p.organizationSlug) && (!org || p.organizationSlug === org) && (!after || p.slug > after))
        .sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
      const page = visible.slice(0, size);
      const more = visible.length > size;
      return json(200, { items: page.map(apiProject), next_page_token: more ? Buffer.from(page[page.length - 1].slug, 'utf8').toString('base64url') : null });
    },
  },
];
