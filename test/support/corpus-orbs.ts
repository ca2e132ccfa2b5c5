import path from 'node:path';
import { DirectoryOrbResolver } from '../../shared/adapters/local/directory-orb-resolver';
import type { OrbResolver } from '../../shared/ports/orb-resolver';

const fixtureOrbs = path.resolve(__dirname, '../../shared/config/fixtures/orbs');

/**
 * Orbs of the corpus (`<corpus>/orbs/<name>/`, packed from source on read, scripts they include replaced by
 * placeholders) served as `circleci/<name>` at any version, with the test stand-ins in front of them.
 */
export function corpusOrbResolver(corpus: string): OrbResolver {
  const fixtures = new DirectoryOrbResolver(fixtureOrbs);
  // Rooted at the corpus, the orbs folder is the namespace (a resolver reads only well-formed references).
  const sources = new DirectoryOrbResolver(corpus, { onMissingInclude: 'placeholder' });
  return {
    async resolve(ref) {
      return (await fixtures.resolve(ref)) ?? (ref.namespace === 'circleci' ? sources.resolve({ ...ref, namespace: 'orbs' }) : undefined);
    },
  };
}
