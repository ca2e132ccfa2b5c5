import { XMLParser } from 'fast-xml-parser';
import type { TestCaseResult } from '../shared/model/job-spec';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
  parseAttributeValue: false,
  parseTagValue: false,
});

type Node = Record<string, any>;

function text(n: unknown): string {
  if (n === undefined || n === null) return '';
  if (typeof n === 'string') return n;
  const o = n as Node;
  return [o.message, o['#text']].filter((s) => typeof s === 'string' && s).join('\n');
}

function suiteCases(suite: Node, inheritedFile: string | undefined, out: TestCaseResult[], source: string): void {
  const file = suite.file ?? inheritedFile;
  for (const tc of (suite.testcase ?? []) as Node[]) {
    const failures = [...(tc.failure ?? []), ...(tc.error ?? [])];
    const result: TestCaseResult['result'] = failures.length ? 'failure' : tc.skipped ? 'skipped' : 'success';
    const message = failures.length ? failures.map(text).join('\n') : tc.skipped ? text(tc.skipped[0]) : '';
    out.push({
      classname: String(tc.classname ?? suite.name ?? ''),
      name: String(tc.name ?? ''),
      file: tc.file ?? file,
      result,
      run_time: Number.parseFloat(tc.time) || 0,
      ...(message ? { message } : {}),
      source,
    });
  }
  for (const inner of (suite.testsuite ?? []) as Node[]) suiteCases(inner, file, out, source);
}

/** Test cases of a JUnit XML document (`<testsuites>` or a bare `<testsuite>`, nested suites included). */
export function parseJUnit(xml: string, source = ''): TestCaseResult[] {
  const doc = parser.parse(xml) as Node;
  const out: TestCaseResult[] = [];
  const roots: Node[] = doc.testsuites ? [doc.testsuites] : [];
  if (doc.testsuite) roots.push({ testsuite: doc.testsuite });
  for (const root of roots) suiteCases(root, undefined, out, source);
  return out;
}
