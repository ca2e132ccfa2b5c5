import type { PlanReport } from './explain-plan';

/** Mermaid label text: quotes and angle brackets as Mermaid entity codes. */
const label = (s: string) => s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

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
        const text = label(j.runs ? j.name : `${j.name}<br/>not run: ${j.reason ?? ''}`).replace('#lt;br/#gt;', '<br/>');
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
