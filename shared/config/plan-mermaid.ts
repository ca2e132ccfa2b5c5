import type { PlanReport } from './explain-plan';

/** Characters that mean something inside a Mermaid label, and their entity codes. */
const ENTITIES: Record<string, string> = { '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '`': '#96;', '%': '#37;' };

/**
 * Mermaid label text with those characters as entity codes: a label starting with a backtick is otherwise read
 * as a Markdown string (where entity codes break the parse), and `%%{…}%%` as a directive, even inside quotes.
 */
const label = (s: string) => s.replace(/[#"<>`%]/g, (c) => ENTITIES[c]);

/**
 * Draws a plan report as a Mermaid flowchart: one subgraph per workflow, one node per job (approvals as
 * hexagons), an edge per `requires`; what does not run is dashed and carries its reason.
 */
export function planToMermaid(report: PlanReport): string {
  const lines = ['flowchart LR'];
  const edges: string[] = [];
  const skipped: string[] = [];
  const draw = (r: PlanReport, prefix: string) => {
    r.workflows.forEach((wf, w) => {
      const wid = `${prefix}w${w}`;
      lines.push(`  subgraph ${wid}["${label(wf.runs ? wf.name : `${wf.name} (not run: ${wf.reason ?? ''})`)}"]`);
      lines.push('    direction LR');
      const ids = new Map(wf.jobs.map((j, i) => [j.name, `${wid}j${i}`]));
      wf.jobs.forEach((j) => {
        const id = ids.get(j.name) as string;
        const text = j.runs ? label(j.name) : `${label(j.name)}<br/>${label(`not run: ${j.reason ?? ''}`)}`;
        lines.push(j.type === 'approval' ? `    ${id}{{"${text}"}}` : `    ${id}["${text}"]`);
        if (!j.runs) skipped.push(id);
        for (const up of j.requires) if (ids.has(up)) edges.push(`  ${ids.get(up)} --> ${id}`);
      });
      if (wf.jobs.length === 0) lines.push(`    ${wid}none["no jobs"]`);
      lines.push('  end');
    });
    if (r.continuation?.report) draw(r.continuation.report, `${prefix}c`);
  };
  draw(report, '');
  lines.push(...edges);
  lines.push('  classDef skipped stroke-dasharray: 5 5,color:#888');
  if (skipped.length) lines.push(`  class ${skipped.join(',')} skipped`);
  return `${lines.join('\n')}\n`;
}
