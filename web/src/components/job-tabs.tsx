import { useApi } from '../api/queries';
import { slugPath } from '../api/client';
import type { Artifact, Page, TestResult, V1Job } from '../api/types';
import { elapsed, formatDuration } from '../lib/format';
import { tone } from '../lib/status';
import { Empty, QueryView } from './states';
import { StatusBadge } from './status-badge';

const PASSED = new Set(['success', 'passed', 'skipped']);

/** Test results, failures first with their messages (`GET /project/{slug}/{n}/tests`). */
export function JobTests({ slug, number }: { slug: string; number: string }) {
  const tests = useApi<Page<TestResult>>(`/api/v2/project/${slugPath(slug)}/${number}/tests`);
  return (
    <QueryView query={tests} what="Test results">
      {(page) => {
        if (page.items.length === 0) return <Empty title="No test results.">Store JUnit XML with the store_test_results step to see tests here.</Empty>;
        const failed = page.items.filter((t) => !PASSED.has(t.result));
        const sorted = [...failed, ...page.items.filter((t) => PASSED.has(t.result))];
        return (
          <>
            <p>
              <strong>{page.items.length}</strong> tests, <strong className={failed.length ? 'tone-failed' : ''}>{failed.length}</strong> failed.
            </p>
            <table>
              <thead>
                <tr>
                  <th>Result</th>
                  <th>Test</th>
                  <th>Time</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((t, i) => (
                  <tr key={i} data-result={t.result}>
                    <td>
                      <StatusBadge status={PASSED.has(t.result) ? (t.result === 'skipped' ? 'skipped' : 'success') : 'failed'} />
                    </td>
                    <td>
                      <div>
                        <strong>{t.name}</strong> <span className="muted">{t.classname}</span>
                      </div>
                      {t.file && <div className="muted mono">{t.file}</div>}
                      {t.message && !PASSED.has(t.result) && (
                        <pre className="log" style={{ padding: 8, borderRadius: 'var(--radius)', maxHeight: 200 }}>
                          {t.message}
                        </pre>
                      )}
                    </td>
                    <td className="muted">{t.run_time !== undefined ? formatDuration(t.run_time * 1000) : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        );
      }}
    </QueryView>
  );
}

/** Artifacts of every parallel task (`GET /project/{slug}/{n}/artifacts`). */
export function JobArtifacts({ slug, number }: { slug: string; number: string }) {
  const artifacts = useApi<Page<Artifact>>(`/api/v2/project/${slugPath(slug)}/${number}/artifacts`);
  return (
    <QueryView query={artifacts} what="Artifacts">
      {(page) =>
        page.items.length === 0 ? (
          <Empty title="No artifacts.">Upload files with the store_artifacts step to see them here.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Path</th>
                <th>Task</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((a) => (
                <tr key={`${a.node_index}:${a.path}`}>
                  <td>
                    <a href={a.url} target="_blank" rel="noreferrer">
                      {a.path}
                    </a>
                  </td>
                  <td className="muted">{a.node_index}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </QueryView>
  );
}

/** When each step of each parallel task ran, as bars on a shared time axis from the job's start. */
export function JobTiming({ job }: { job: V1Job }) {
  const actions = job.steps.flatMap((s) => s.actions).filter((a) => a.start_time);
  if (actions.length === 0) return <Empty title="No step has started yet." />;
  const t0 = Math.min(...actions.map((a) => Date.parse(a.start_time!)));
  const t1 = Math.max(...actions.map((a) => (a.end_time ? Date.parse(a.end_time) : Date.now())));
  const span = Math.max(1, t1 - t0);
  const tasks = [...new Set(actions.map((a) => a.index))].sort((a, b) => a - b);
  return (
    <table aria-label="Step timing">
      <thead>
        <tr>
          <th>Step</th>
          <th style={{ width: '55%' }}>0 – {formatDuration(span)}</th>
          <th>Duration</th>
        </tr>
      </thead>
      {tasks.map((task) => (
        <tbody key={task}>
          {tasks.length > 1 && (
            <tr>
              <th colSpan={3}>Task {task}</th>
            </tr>
          )}
          {actions
            .filter((a) => a.index === task)
            .map((a) => {
              const start = Date.parse(a.start_time!) - t0;
              const d = elapsed(a.start_time, a.end_time) ?? 0;
              return (
                <tr key={`${task}:${a.step}`}>
                  <td>{a.name}</td>
                  <td>
                    <div className="bar-track">
                      <div className={`bar tone-${tone(a.status)}`} style={{ left: `${(start / span) * 100}%`, width: `${(d / span) * 100}%` }} />
                    </div>
                  </td>
                  <td className="muted">{formatDuration(d)}</td>
                </tr>
              );
            })}
        </tbody>
      ))}
    </table>
  );
}
