import { definePipelineStoreContract } from '../../ports/pipeline-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoPipelineStore } from './dynamo-pipeline-store';

definePipelineStoreContract('DynamoPipelineStore on dynalite', async () => {
  const { table } = await createTestResources({ queues: false });
  return new DynamoPipelineStore(table);
});
