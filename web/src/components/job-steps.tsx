import { useEffect, useRef, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError, fetchSigned } from '../api/client';
import { LIVE_MS } from '../api/queries';
import type { OutputMessage, V1Action, V1Job } from '../api/types';
import { downloadText } from '../lib/download';
import { elapsed, formatDuration } from '../lib/format';
import { stripAnsi } from '../lib/ansi';
import { LogOutput } from './log-output';
import { ErrorState } from './states';
import { StatusBadge } from './status-badge';

const joinOutput = (messages: OutputMessage[]) => messages.map((m) => m.message).join('');

/** One step's output, fetched from its `output_url` and re-fetched every LIVE_MS while the step runs. */
function useStepOutput(jobKey: string, action: V1Action) {
  // The signed URL changes on every job-detail poll; the query is keyed by the step, not the URL.
  const url = useRef(action.output_url);
  url.current = action.output_url;
  const running = action.status === 'running';
  return useQuery<string, ApiError>({
    queryKey: ['output', jobKey, action.index, action.step, action.status],
    queryFn: async () => joinOutput(await fetchSigned<OutputMessage[]>(url.current)),
    refetchInterval: running ? LIVE_MS : false,
    placeholderData: keepPreviousData,
  });
}

function Step({ jobKey, action, search, defaultOpen }: { jobKey: string; action: V1Action; search: string; defaultOpen: boolean }) {
  const [toggled, setToggled] = useState<boolean | null>(null);
  const open = toggled ?? (defaultOpen || (search.trim() !== '' && action.has_output));
  const output = useStepOutput(jobKey, action);
  const running = action.status === 'running';
  return (
    <div className="step" data-step={action.name} data-status={action.status}>
      <button className="step-head" aria-expanded={open} onClick={() => setToggled(!open)}>
        <span className="chev" aria-hidden="true">
          ▶
        </span>
        <span className="name">{action.name}</span>
        {action.exit_code !== null && action.exit_code !== 0 && <span className="muted">exit {action.exit_code}</span>}
        <span className="muted">{formatDuration(elapsed(action.start_time, action.end_time))}</span>
        <StatusBadge status={action.status} />
      </button>
      {open && (
        <div>
          <div className="row" style={{ justifyContent: 'flex-end', padding: '0 10px 6px' }}>
            <button
              className="small"
              onClick={() => downloadText(`${jobKey.replace(/\W+/g, '-')}-step-${action.step}-task-${action.index}.log`, output.data ?? '')}
              disabled={!output.data}
            >
              Raw output
            </button>
          </div>
          {output.isError ? <ErrorState error={output.error} what="Step output" /> : <LogOutput text={output.data ?? ''} search={search} live={running} />}
        </div>
      )}
    </div>
  );
}

/** Steps shown open: the one running, and those that did not succeed (failed, timed out, an infrastructure failure). */
const OPEN_BY_DEFAULT = new Set(['running', 'failed', 'timedout', 'infrastructure_fail']);

/** The steps of one parallel task, each collapsible with its output; search across all of them. */
export function JobSteps({ job, jobKey, task }: { job: V1Job; jobKey: string; task: number }) {
  const [search, setSearch] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const actions = job.steps.map((s) => s.actions.find((a) => a.index === task)).filter((a): a is V1Action => !!a);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const downloadAll = async () => {
    setDownloadError(null);
    try {
      const parts = await Promise.all(actions.map(async (a) => `### ${a.name}\n${stripAnsi(joinOutput(await fetchSigned<OutputMessage[]>(a.output_url)))}`));
      downloadText(`${jobKey.replace(/\W+/g, '-')}-task-${task}.log`, parts.join('\n'));
    } catch (e) {
      setDownloadError(e);
    }
  };
  const lastIndex = actions.length - 1;
  return (
    <>
      <div className="row" style={{ marginBottom: 10 }}>
        <input
          ref={input}
          type="search"
          className="grow"
          placeholder="Search the output (press / to focus)"
          aria-label="Search output"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button onClick={() => void downloadAll()} disabled={actions.length === 0}>
          Download log
        </button>
      </div>
      {downloadError !== null && <ErrorState error={downloadError} what="the full log" />}
      {actions.length === 0 ? (
        <div className="state">{job.lifecycle === 'finished' ? 'This task ran no steps.' : 'Waiting for the first step to start…'}</div>
      ) : (
        actions.map((a, i) => (
          <Step key={`${task}:${a.step}`} jobKey={jobKey} action={a} search={search} defaultOpen={OPEN_BY_DEFAULT.has(a.status) || i === lastIndex} />
        ))
      )}
    </>
  );
}
