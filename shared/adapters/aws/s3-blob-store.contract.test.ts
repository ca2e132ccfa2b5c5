import { defineBlobStoreContract } from '../../ports/blob-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { S3BlobStore } from './s3-blob-store';

defineBlobStoreContract('S3BlobStore on s3rver', async () => {
  const r = await createTestResources({ queues: false });
  return new S3BlobStore(r.clients.s3, r.bucket);
});
