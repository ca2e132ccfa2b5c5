import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// `npm run lint` enforces DESIGN §3's dependency directions and forbids cycles in shared/. These fixtures are
// linted as if they were files of the repository (ESLint's lintText with their path), so each rule is shown to
// fire on a forbidden import and to stay quiet on an allowed one.
const root = join(__dirname, '..');

interface Case {
  name: string;
  filePath: string;
  code: string;
}

function lint(cases: Case[]): Record<string, string[]> {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const cases = JSON.parse(process.argv[1]);
      const out = {};
      for (const c of cases) {
        const [r] = await eslint.lintText(c.code, { filePath: c.filePath });
        out[c.name] = r.messages.map((m) => m.ruleId + ': ' + m.message);
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`eslint failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const at = (p: string) => join(root, p);

describe('architecture rules (eslint)', () => {
  const results = lint([
    {
      name: 'domain→services',
      filePath: at('shared/model/boundary-fixture.ts'),
      code: "import type { ControlPlaneDeps } from '../services/deps';\nexport type X = ControlPlaneDeps;\n",
    },
    { name: 'domain→domain', filePath: at('shared/model/boundary-fixture.ts'), code: "import type { Job } from './entities';\nexport type X = Job;\n" },
    {
      name: 'adapter→services',
      filePath: at('shared/adapters/aws/boundary-fixture.ts'),
      code: "import { hashToken } from '../../services/identity/tokens';\nexport const x = hashToken;\n",
    },
    {
      name: 'services→adapter',
      filePath: at('shared/services/jobs/boundary-fixture.ts'),
      code: "import { S3BlobStore } from '../../adapters/aws/s3-blob-store';\nexport const x = S3BlobStore;\n",
    },
    {
      name: 'services→port',
      filePath: at('shared/services/jobs/boundary-fixture.ts'),
      code: "import type { BlobStore } from '../../ports/blob-store';\nexport type X = BlobStore;\n",
    },
    {
      name: 'lambda→local adapter',
      filePath: at('functions/boundary-fixture.ts'),
      code: "import { LocalKeyCipher } from '../shared/adapters/local/local-key-cipher';\nexport const x = LocalKeyCipher;\n",
    },
    {
      name: 'agent→services',
      filePath: at('agent/boundary-fixture.ts'),
      code: "import { hashToken } from '../shared/services/identity/tokens';\nexport const x = hashToken;\n",
    },
    {
      name: 'lambda→seldom-used SDK package',
      filePath: at('shared/adapters/aws/boundary-fixture.ts'),
      code: "import { ECSClient } from '@aws-sdk/client-ecs';\nexport const x = ECSClient;\n",
    },
    {
      name: 'lambda→seldom-used SDK types',
      filePath: at('functions/boundary-fixture.ts'),
      code: "import type { ECSClient } from '@aws-sdk/client-ecs';\nexport type X = ECSClient;\n",
    },
    {
      name: 'lambda→hot-path SDK package',
      filePath: at('shared/adapters/aws/boundary-fixture.ts'),
      code: "import { S3Client } from '@aws-sdk/client-s3';\nexport const x = S3Client;\n",
    },
    {
      // serial-groups.ts importing the conductor again: advance-workflow.ts already imports serial-groups.ts.
      name: 'cycle',
      filePath: at('shared/services/workflows/serial-groups.ts'),
      code: "import { advanceWorkflow } from './advance-workflow';\nexport const x = advanceWorkflow;\n",
    },
    {
      name: 'no cycle',
      filePath: at('shared/services/workflows/serial-groups.ts'),
      code: "import { sendWorkflowEvent } from './workflow-events';\nexport const x = sendWorkflowEvent;\n",
    },
  ]);
  const rules = (name: string) => results[name].map((m) => m.split(':')[0]);

  it.each(['domain→services', 'adapter→services', 'services→adapter', 'lambda→local adapter', 'agent→services'])('refuses %s', (name) => {
    expect(rules(name)).toContain('import-x/no-restricted-paths');
  });

  it.each(['domain→domain', 'services→port', 'no cycle', 'lambda→seldom-used SDK types', 'lambda→hot-path SDK package'])('allows %s', (name) => {
    expect(results[name]).toEqual([]);
  });

  it('refuses a value import of an SDK package the Lambda bundles load on first use', () => {
    expect(rules('lambda→seldom-used SDK package')).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('refuses an import cycle in shared/', () => {
    expect(rules('cycle')).toContain('import-x/no-cycle');
  });
});
