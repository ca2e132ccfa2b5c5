import { Link } from 'wouter';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, slugPath } from '../api/client';
import { useApi, useProject } from '../api/queries';
import type { EnvVar, Page, Schedule } from '../api/types';
import { Empty, ErrorState, QueryView } from '../components/states';
import { timeAgo } from '../lib/format';
import { VariableForm } from '../components/variable-form';
import { WebhooksPanel } from '../components/webhooks-panel';

type Params = { vcs: string; org: string; repo: string };

function EnvVars({ slug }: { slug: string }) {
  const path = `/api/v2/project/${slugPath(slug)}/envvar`;
  const vars = useApi<Page<EnvVar>>(path);
  const queryClient = useQueryClient();
  const change = useMutation<unknown, ApiError, { method: 'POST' | 'DELETE'; name: string; value?: string }>({
    mutationFn: (v) =>
      v.method === 'POST'
        ? api(path, { method: 'POST', body: { name: v.name, value: v.value } })
        : api(`${path}/${encodeURIComponent(v.name)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [path] }),
  });
  return (
    <section className="panel" aria-label="Environment variables">
      <h2>Environment variables</h2>
      <p className="muted">Values are encrypted at rest and only ever shown masked.</p>
      <QueryView query={vars} what="Environment variables">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No environment variables." />
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Value</th>
                  <th>Added</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page.items.map((v) => (
                  <tr key={v.name} data-envvar={v.name}>
                    <td className="mono">{v.name}</td>
                    <td className="mono">{v.value}</td>
                    <td className="muted">{timeAgo(v.created_at)}</td>
                    <td>
                      <button className="small" onClick={() => change.mutate({ method: 'DELETE', name: v.name })} aria-label={`Delete ${v.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      <VariableForm label="Add environment variable" busy={change.isPending} onSubmit={(name, value) => change.mutateAsync({ method: 'POST', name, value })} />
      {change.isError && <ErrorState error={change.error} what="The change" />}
    </section>
  );
}

function Schedules({ slug }: { slug: string }) {
  const schedules = useApi<Page<Schedule>>(`/api/v2/project/${slugPath(slug)}/schedule`);
  return (
    <section className="panel" aria-label="Scheduled pipelines">
      <h2>Scheduled pipelines</h2>
      <QueryView query={schedules} what="Schedules">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No scheduled pipelines." />
          ) : (
            <ul className="plain">
              {page.items.map((s) => (
                <li key={s.id}>
                  <strong>{s.name}</strong> <span className="muted">{s.description}</span>
                  <div className="mono muted">{JSON.stringify(s.timetable)}</div>
                  {Object.keys(s.parameters ?? {}).length > 0 && <div className="mono muted">parameters {JSON.stringify(s.parameters)}</div>}
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </section>
  );
}

type Advanced = Record<string, boolean | string[]>;
const OPTION_LABELS: Record<string, string> = {
  autocancel_builds: 'Auto-cancel redundant workflows',
  build_fork_prs: 'Build forked pull requests',
  build_prs_only: 'Only build pull requests',
  forks_receive_secret_env_vars: 'Pass secrets to builds from forked pull requests',
  set_github_status: 'Set GitHub commit statuses',
  setup_workflows: 'Enable dynamic config (setup workflows)',
  disable_ssh: 'Disable re-run with SSH',
  oss: 'Free and open source',
  write_settings_requires_admin: 'Only admins may change settings',
};

function GithubOptions({ params }: { params: Params }) {
  const path = `/api/v2/project/${encodeURIComponent(params.vcs)}/${encodeURIComponent(params.org)}/${encodeURIComponent(params.repo)}/settings`;
  const settings = useApi<{ advanced: Advanced }>(path);
  const queryClient = useQueryClient();
  const patch = useMutation<unknown, ApiError, { key: string; value: boolean }>({
    mutationFn: ({ key, value }) => api(path, { method: 'PATCH', body: { advanced: { [key]: value } } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [path] }),
  });
  return (
    <section className="panel" aria-label="GitHub and advanced options">
      <h2>GitHub and advanced options</h2>
      <QueryView query={settings} what="Project settings">
        {(s) => (
          <ul className="plain">
            {Object.entries(s.advanced)
              .filter((e): e is [string, boolean] => typeof e[1] === 'boolean')
              .map(([key, value]) => (
                <li key={key}>
                  <label style={{ flexDirection: 'row', alignItems: 'center', color: 'var(--text)' }}>
                    <input type="checkbox" checked={value} disabled={patch.isPending} onChange={(e) => patch.mutate({ key, value: e.target.checked })} />
                    {OPTION_LABELS[key] ?? key}
                  </label>
                </li>
              ))}
          </ul>
        )}
      </QueryView>
      {patch.isError && <ErrorState error={patch.error} what="The change" />}
    </section>
  );
}

export function ProjectSettingsPage({ params }: { params: Params }) {
  const slug = `${params.vcs}/${params.org}/${params.repo}`;
  const project = useProject(slug);
  return (
    <>
      <div className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/pipelines/${slug}`}>{params.repo}</Link> / <span>Settings</span>
      </div>
      <div className="head">
        <h1>Project settings</h1>
      </div>
      {project.isError && <ErrorState error={project.error} what="Project" />}
      <EnvVars slug={slug} />
      <div className="grid2">
        <Schedules slug={slug} />
        <WebhooksPanel projectId={project.data?.id} />
      </div>
      <GithubOptions params={params} />
    </>
  );
}
