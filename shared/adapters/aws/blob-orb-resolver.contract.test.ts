import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestResources } from '../../../test/support/aws';
import { orbKey } from '../../model/orb-registry';
import { defineOrbResolverContract } from '../../ports/orb-resolver.contract';
import { DirectoryOrbResolver } from '../local/directory-orb-resolver';
import { BlobOrbResolver, ChainedOrbResolver } from './blob-orb-resolver';
import { S3BlobStore } from './s3-blob-store';

defineOrbResolverContract('BlobOrbResolver (the registry in the bucket, on s3rver)', async () => {
  const r = await createTestResources({ queues: false });
  const blobs = new S3BlobStore(r.clients.s3, r.bucket);
  return {
    resolver: new BlobOrbResolver(blobs),
    publish: (ref, text) => blobs.put(orbKey(ref), text),
    outside: (file, text) => blobs.put(file, text),
  };
});

defineOrbResolverContract('ChainedOrbResolver (a local folder first, then the bucket, as local mode wires them)', async () => {
  const r = await createTestResources({ queues: false });
  const blobs = new S3BlobStore(r.clients.s3, r.bucket);
  const parent = mkdtempSync(join(tmpdir(), 'orb-chain-'));
  const root = join(parent, 'registry');
  mkdirSync(root);
  return {
    resolver: new ChainedOrbResolver([new DirectoryOrbResolver(root), new BlobOrbResolver(blobs)]),
    publish: (ref, text) => blobs.put(orbKey(ref), text),
    async outside(file, text) {
      mkdirSync(dirname(join(parent, file)), { recursive: true });
      writeFileSync(join(parent, file), text);
      await blobs.put(file, text);
    },
  };
});
