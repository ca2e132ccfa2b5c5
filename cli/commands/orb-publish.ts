import type { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { packOrb } from '../../shared/config/orb-pack';
import { parseOrbReference } from '../../shared/config/orbs';
import { ApiClient } from '../api-client';

/** `slipway orb publish <dir|orb.yml> <ns/name@x.y.z>`: packs (for a source folder) and publishes to the server's registry. */
export function registerOrbPublishCommand(program: Command): void {
  const orb = program.commands.find((c) => c.name() === 'orb') ?? program.command('orb').description('Work with orbs');
  orb
    .command('publish <source> <reference>')
    .description('Publish an orb (a packed orb.yml, or a source folder in `orb pack` layout) to the private registry, e.g. acme/tools@1.0.0')
    .action(async (source: string, reference: string) => {
      const ref = parseOrbReference(reference);
      if (!ref || !/^\d+\.\d+\.\d+$/.test(ref.version))
        throw new Error(`Give the orb as <namespace>/<name>@<x.y.z>, e.g. acme/tools@1.0.0 (got "${reference}").`);
      const text = statSync(source).isDirectory() ? packOrb(source) : readFileSync(source, 'utf8');
      const api = ApiClient.fromEnv();
      const out = await api.request<{ ref: string }>('POST', `/api/v2/slipway/orbs/${ref.namespace}/${ref.name}/${ref.version}`, { source: text });
      process.stdout.write(`Orb ${out.ref} published.\n`);
    });
}
