import fc from 'fast-check';
import { pack, packFields, packJob, unpack, unpackFields, unpackJob } from './dynamo-packed';

describe('packed attributes', () => {
  it('reads back any JSON value it packed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(unpack(pack(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('stores a long, repetitive plan in a fraction of its JSON size', () => {
    const command = 'for i in $(seq 1 20); do head -c 3400 /dev/zero | tr "\\0" x | fold -w 99; echo; sleep 1; done';
    const plan = {
      steps: Array.from({ length: 6 }, (_, i) => ({ type: 'run', name: command, command, position: { file: '.circleci/config.yml', line: 8 + i } })),
    };
    expect(pack(plan).byteLength).toBeLessThan(JSON.stringify(plan).length / 4);
  });

  it('packs the named fields under their Z names, removes both names when set to undefined, and passes the rest', () => {
    const out = packFields({ plan: { a: 1 }, configSource: undefined, state: 'created' }, ['plan', 'configSource', 'setupConfigSource']);
    expect(Object.keys(out).sort()).toEqual(['configSource', 'configSourceZ', 'planZ', 'state']);
    expect(out.configSource).toBeUndefined();
    expect(out.configSourceZ).toBeUndefined();
    expect(unpack(out.planZ as Uint8Array)).toEqual({ a: 1 });
    expect(unpackFields(out, ['plan', 'configSource'])).toEqual({ plan: { a: 1 }, configSource: undefined, state: 'created' });
  });

  it("packs a job's plan and each task's steps, and reads items written before packing as they are", () => {
    const job = { id: 'j', plan: { name: 'build' }, tasks: [{ index: 0, status: 'running', steps: [{ index: 0, name: 'Checkout code' }] }] };
    const stored = packJob(job);
    expect(stored).not.toHaveProperty('plan');
    expect((stored.tasks as Array<Record<string, unknown>>)[0]).not.toHaveProperty('steps');
    expect(unpackJob(stored)).toEqual(job);
    expect(unpackJob(job)).toEqual(job);
    // An item updated after packing came in keeps an old plain value beside the packed one: the packed is newer.
    expect(unpackJob({ ...stored, plan: { name: 'old' } })).toEqual(job);
  });
});
