import { parentPort } from 'node:worker_threads';
import type { OrbReference, OrbResolver } from '../../ports/orb-resolver';
import type { FromWorker, ToWorker } from './compile-messages';
import { InProcessConfigCompiler } from './in-process-config-compiler';

/**
 * Entry of a compile worker thread (see WorkerConfigCompiler): compiles one config at a time and asks the
 * parent thread for registry orbs, which only the parent can reach.
 */
function serve(port: NonNullable<typeof parentPort>): void {
  const waiting = new Map<number, (source: string | undefined) => void>();
  let nextId = 0;
  const send = (m: FromWorker): void => port.postMessage(m);
  const resolver: OrbResolver = {
    resolve: (ref: OrbReference) =>
      new Promise((resolve) => {
        const id = ++nextId;
        waiting.set(id, resolve);
        send({ type: 'orb', id, ref });
      }),
  };
  const compiler = new InProcessConfigCompiler(resolver);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'orb') {
      waiting.get(m.id)?.(m.source);
      waiting.delete(m.id);
      return;
    }
    const work = m.type === 'compile' ? compiler.compile(m.source, m.options) : compiler.compileWithDefaults(m.body);
    work.then(
      (result) => send({ type: 'done', result }),
      (err: unknown) => send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}

if (parentPort) serve(parentPort);
