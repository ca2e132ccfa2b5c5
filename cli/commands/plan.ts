import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryOrbResolver } from '../../shared/adapters/local/directory-orb-resolver';
import { explainPlan, type PlanReport } from '../../shared/config/explain-plan';
import { findPathFilter } from '../../shared/config/path-filtering';
import { planToMermaid } from '../../shared/config/plan-mermaid';
import { formatProblems } from '../../shared/config/problems';
import { addEventOptions, changedPaths, findConfig, readEvent, UsageError, type EventOptions } from './event-options';

interface PlanOptions extends EventOptions {
  config?: string;
  changed?: string[];
  orbDir?: string;
  format: string;
}

/** The report as text: one line per workflow, one per job, with the reason for what does not run. */
export function planToText(report: PlanReport, indent = ''): string {
  const out: string[] = [];
  if (report.problems)
    out.push(
      `${indent}${report.file} does not compile:`,
      ...formatProblems(report.problems)
        .split('\n')
        .map((l) => `${indent}  ${l}`),
    );
  for (const wf of report.workflows) {
    out.push(`${indent}workflow ${wf.name}: ${wf.runs ? 'runs' : `does not run (${wf.reason})`}`);
    const title = (j: PlanReport['workflows'][number]['jobs'][number]) => `${j.name}${j.type === 'approval' ? ' (approval)' : ''}`;
    const width = Math.max(0, ...wf.jobs.map((j) => title(j).length));
    for (const j of wf.jobs) {
      const detail = j.runs ? (j.requires.length ? `requires ${j.requires.join(', ')}` : '') : j.reason;
      out.push(`${indent}  ${j.runs ? 'run ' : 'skip'} ${title(j).padEnd(width)}${detail ? `  ${detail}` : ''}`.trimEnd());
    }
  }
  const c = report.continuation;
  if (c) {
    const why = c.matched.length ? c.matched.map((m) => `${m.path} matches ${m.pattern} → ${m.parameter}`).join('; ') : 'no mapping matched the changed paths';
    out.push(`${indent}continues with ${c.configPath}, parameters ${JSON.stringify(c.parameters)} (${why})`);
    if (c.error) out.push(`${indent}  ${c.error}`);
    if (c.report) out.push(planToText(c.report, `${indent}  `).trimEnd());
  }
  return `${out.join('\n')}\n`;
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').filter(Boolean)];
}

/** Adds `slipway plan`: what a config would run for an event, and why the rest would not. */
export function registerPlanCommand(program: Command): void {
  addEventOptions(program.command('plan').description('Show which workflows and jobs a config runs for an event, and why the others do not'))
    .option('--config <file>', 'config file (default .circleci/config.yml of the current directory)')
    .option(
      '--changed <paths>',
      'changed paths for a path-filtered setup config (comma-separated, repeatable; default: git diff against the base revision)',
      collect,
    )
    .option('--orb-dir <dir>', 'folder of orbs (<ns>/<name>[@<version>]/orb.yml)')
    .option('--format <format>', 'text, json or mermaid', 'text')
    .action(async (opts: PlanOptions) => {
      try {
        if (!['text', 'json', 'mermaid'].includes(opts.format)) throw new UsageError(`--format ${opts.format}: use text, json or mermaid.`);
        const dir = process.cwd();
        const config = findConfig(dir, opts.config);
        const event = readEvent(opts, dir);
        const filter = findPathFilter(config.source);
        if (filter) event.changedPaths = opts.changed ?? changedPaths(dir, filter.baseRevision);
        const report = await explainPlan(config.source, {
          fileName: config.name,
          event,
          orbResolver: opts.orbDir ? new DirectoryOrbResolver(opts.orbDir) : undefined,
          readFile: (p) => (existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : undefined),
        });
        const text = opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : opts.format === 'mermaid' ? planToMermaid(report) : planToText(report);
        process.stdout.write(text);
        if (report.problems || report.continuation?.error || report.continuation?.report?.problems) process.exitCode = 1;
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 2;
      }
    });
}
