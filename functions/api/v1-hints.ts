/** API v2 equivalents of v1.1 endpoints Slipway does not serve, for the 404 that names them. */
const HINTS: Array<[RegExp, string]> = [
  [
    /^\/api\/v1\.1\/user\/heroku-key/,
    'none: Slipway has no Heroku integration; store the key as a project environment variable (POST /api/v2/project/{project-slug}/envvar) or in a context',
  ],
  [/^\/api\/v1\.1\/user\/ssh-key/, 'none: Slipway has no user keys; add a checkout key (POST /api/v2/project/{project-slug}/checkout-key)'],
  [/\/\d+\/ssh-users/, 'none: SSH reruns are requested with POST /api/v2/workflow/{id}/rerun and enable_ssh'],
  [/\/\d+\/artifacts\/|\/artifacts$/, 'GET /api/v2/project/{project-slug}/{job-number}/artifacts'],
  [/\/\d+\/tests/, 'GET /api/v2/project/{project-slug}/{job-number}/tests'],
  [/\/\d+\/(retry|rerun)/, 'POST /api/v2/workflow/{id}/rerun'],
  [/\/\d+\/cancel/, 'POST /api/v2/project/{project-slug}/job/{job-number}/cancel'],
  [/\/\d+(\/|$)/, 'GET /api/v2/project/{project-slug}/job/{job-number}'],
  [/\/envvar/, '/api/v2/project/{project-slug}/envvar'],
  [/\/checkout-key/, '/api/v2/project/{project-slug}/checkout-key'],
  [/\/settings/, '/api/v2/project/{project-slug}/settings'],
  [/\/tree\//, 'GET /api/v2/project/{project-slug}/pipeline?branch={branch}'],
  [/^\/api\/v1\.1\/project\//, '/api/v2/project/{project-slug}/pipeline'],
  [/^\/api\/v1\.1\/me/, 'GET /api/v2/me'],
  [/^\/api\/v1\.1\/organization/, 'GET /api/v2/me/collaborations'],
];

/** The 404 message of a path no route serves; for API v1.1, it names the v2 call to make instead. */
export function notFoundMessage(method: string, path: string): string {
  if (!path.startsWith('/api/v1.1/')) return `No route for ${method} ${path}. See the CircleCI API v2 reference.`;
  const hint = HINTS.find(([re]) => re.test(path))?.[1] ?? 'see the CircleCI API v2 reference (/api/v2)';
  return `API v1.1 ${method} ${path} is not available on Slipway. The API v2 equivalent: ${hint}.`;
}
