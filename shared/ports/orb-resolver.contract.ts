import type { OrbReference, OrbResolver } from './orb-resolver';

/** An orb's packed source, as a registry serves it. */
const orbText = (ref: OrbReference) =>
  `version: 2.1\ndescription: ${ref.namespace}/${ref.name}@${ref.version}\ncommands:\n  hello:\n    steps:\n      - run: echo hello\n`;

/**
 * The semantics `shared/ports/orb-resolver.ts` states, for every adapter: a published exact version resolves to
 * its text, the same text on every (and concurrent) call; an unknown orb, version or namespace resolves
 * `undefined`, never an error; a reference that is not an orb name (path separators, `..`) names nothing.
 * `publish` puts an orb where the adapter reads (bucket, folder); `outside` writes a file beside (not in) the
 * registry, which no reference may reach.
 */
export function defineOrbResolverContract(
  name: string,
  factory: () => Promise<{
    resolver: OrbResolver;
    publish: (ref: OrbReference, text: string) => Promise<void>;
    outside?: (file: string, text: string) => Promise<void>;
  }>,
): void {
  describe(`OrbResolver contract: ${name}`, () => {
    const ref = { namespace: 'acme', name: 'tools', version: '1.2.3' };

    it('resolves a published version to its text, the same on repeated and concurrent calls', async () => {
      const { resolver, publish } = await factory();
      await publish(ref, orbText(ref));
      expect(await resolver.resolve(ref)).toBe(orbText(ref));
      expect(await Promise.all([resolver.resolve({ ...ref }), resolver.resolve({ ...ref }), resolver.resolve({ ...ref })])).toEqual([
        orbText(ref),
        orbText(ref),
        orbText(ref),
      ]);
    });

    it('resolves undefined for an unknown orb, version or namespace', async () => {
      const { resolver, publish } = await factory();
      await publish(ref, orbText(ref));
      for (const unknown of [
        { ...ref, name: 'other' },
        { ...ref, version: '9.9.9' },
        { ...ref, namespace: 'nobody' },
      ]) {
        await expect(resolver.resolve(unknown)).resolves.toBeUndefined();
      }
    });

    it('resolves undefined for a reference that is not an orb name, and never reads outside its registry', async () => {
      const { resolver, publish, outside } = await factory();
      await publish(ref, orbText(ref));
      await outside?.('secret.yml', 'version: 2.1\ndescription: not an orb\n');
      await outside?.('secret/orb.yml', 'version: 2.1\ndescription: not an orb\n');
      const hostile = [
        { ...ref, version: '../../../secret' },
        { ...ref, version: '1.2.3/../../../../secret' },
        { ...ref, version: `../../../secret` },
        { ...ref, name: '../../secret' },
        { ...ref, namespace: '..', name: 'secret' },
        { ...ref, namespace: '', name: '', version: '' },
      ];
      for (const r of hostile) await expect(resolver.resolve(r)).resolves.toBeUndefined();
    });
  });
}
