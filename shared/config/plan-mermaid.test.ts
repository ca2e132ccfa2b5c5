import type { PlanReport } from './explain-plan';
import { planToMermaid } from './plan-mermaid';

/** A one-workflow report; Mermaid's own parser reads real plans in test/e2e/plan-mermaid.test.ts. */
function report(jobs: PlanReport['workflows'][number]['jobs'], name = 'wf'): PlanReport {
  return { file: '.circleci/config.yml', setup: false, workflows: [{ name, runs: true, jobs }] };
}

describe('planToMermaid', () => {
  it('writes characters that mean something in Mermaid as entity codes', () => {
    const out = planToMermaid(report([{ name: '`tick` "q" #1 <b> %%{init: {}}%%', type: 'build', runs: true, requires: [] }], 'say "hi"'));
    expect(out).toContain('subgraph w0["say #quot;hi#quot;"]');
    expect(out).toContain('w0j0["#96;tick#96; #quot;q#quot; #35;1 #lt;b#gt; #37;#37;{init: {}}#37;#37;"]');
  });

  it('breaks the line only between a skipped job and its reason, never inside a name or reason', () => {
    const out = planToMermaid(report([{ name: 'a<br/>b', type: 'build', runs: false, reason: 'x<br/>y', requires: [] }]));
    expect(out).toContain('w0j0["a#lt;br/#gt;b<br/>not run: x#lt;br/#gt;y"]');
    expect(out).toContain('class w0j0 skipped');
  });

  it('draws approvals as hexagons and requires as edges', () => {
    const out = planToMermaid(
      report([
        { name: 'build', type: 'build', runs: true, requires: [] },
        { name: 'hold', type: 'approval', runs: true, requires: ['build'] },
      ]),
    );
    expect(out).toContain('w0j1{{"hold"}}');
    expect(out).toContain('w0j0 --> w0j1');
  });
});
