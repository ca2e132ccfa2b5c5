import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { StoreArtifactsStep, StoreTestResultsStep } from '../../shared/config/plan';
import type { TestCaseResult } from '../../shared/model/job-spec';
import { parseJUnit } from '../junit';
import { putToUrl } from '../transfer';
import { insideRoot, resolvePath, StepError, type StepHandler } from './context';

/** Every file under `dir` (relative paths), or `['']` when `dir` is itself a file. */
function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [''];
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk(path, '');
  return out.sort();
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const ARTIFACT_BATCH = 500;

/**
 * `store_artifacts`: the file or every file under `path`, uploaded under `destination` (default: the path as
 * written, without a leading `/` or `~/`). A destination escaping the artifacts root is a step error.
 */
export const storeArtifactsStep: StepHandler<StoreArtifactsStep> = async (step, ctx) => {
  const source = resolvePath(step.path, ctx);
  try {
    statSync(source);
  } catch {
    ctx.log.note(`No artifacts found at ${source}; nothing was uploaded.`);
    return { status: 'success', exitCode: 0 };
  }
  const dest = step.destination ?? step.path.replace(/^~\/?/, '').replace(/^(\.\/)+/, '');
  const base = posix.relative('/artifacts', insideRoot('/artifacts', dest.replace(/^\/+/, ''), 'The artifact destination'));
  const files = filesUnder(source).map((rel) => ({ file: rel ? join(source, rel) : source, path: rel ? posix.join(base, rel) : base }));
  for (const f of files) if (!f.path || f.path === '.') throw new StepError(`The artifact destination "${dest}" is empty; give store_artifacts a destination.`);
  let bytes = 0;
  for (let i = 0; i < files.length; i += ARTIFACT_BATCH) {
    const batch = files.slice(i, i + ARTIFACT_BATCH);
    const urls = await ctx.client.artifactUrls(batch.map((f) => f.path));
    await inParallel(
      batch.map((f, j) => ({ ...f, url: urls[j] })),
      8,
      async (f) => {
        await putToUrl(f.url, { file: f.file }, `the artifact ${f.path}`);
        bytes += statSync(f.file).size;
      },
    );
  }
  for (const f of files.slice(0, 50)) ctx.log.note(`Uploaded ${f.path}`);
  if (files.length > 50) ctx.log.note(`... and ${files.length - 50} more`);
  ctx.log.note(`Stored ${files.length} artifact${files.length === 1 ? '' : 's'} (${(bytes / 1024).toFixed(1)} KiB)`);
  return { status: 'success', exitCode: 0 };
};

/**
 * `store_test_results`: JUnit XML files (a file, or every `.xml` under a folder) → per-test results, uploaded
 * together with the results of earlier `store_test_results` steps of the task.
 */
export const storeTestResultsStep: StepHandler<StoreTestResultsStep> = async (step, ctx) => {
  const source = resolvePath(step.path, ctx);
  let files: string[];
  try {
    files = filesUnder(source).filter((f) => f === '' || f.endsWith('.xml'));
  } catch {
    ctx.log.note(`No test results found at ${source}.`);
    return { status: 'success', exitCode: 0 };
  }
  const found: TestCaseResult[] = [];
  for (const rel of files) {
    const file = rel ? join(source, rel) : source;
    try {
      found.push(...parseJUnit(readFileSync(file, 'utf8'), rel || posix.basename(file)));
    } catch (e) {
      ctx.log.note(`Warning: ${file} is not valid JUnit XML (${(e as Error).message}); skipped.`);
    }
  }
  ctx.testResults.push(...found);
  const url = await ctx.client.testResultsUrl();
  await putToUrl(url, { bytes: Buffer.from(JSON.stringify({ tests: ctx.testResults })) }, 'the test results');
  const failed = found.filter((t) => t.result === 'failure').length;
  ctx.log.note(
    `Stored ${found.length} test result${found.length === 1 ? '' : 's'} from ${files.length} file${files.length === 1 ? '' : 's'} (${failed} failed)`,
  );
  return { status: 'success', exitCode: 0 };
};
