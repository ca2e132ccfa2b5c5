import { defineCacheIndexContract } from '../../ports/cache-index.contract';
import { DynamoCacheIndex } from './dynamo-cache-index';
import { defineDedupeStoreContract } from '../../ports/dedupe-store.contract';
import { defineProjectStoreContract } from '../../ports/project-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoDedupeStore } from './dynamo-dedupe-store';
import { DynamoProjectStore } from './dynamo-project-store';

defineProjectStoreContract('DynamoProjectStore on dynalite', async () => new DynamoProjectStore((await createTestResources({ queues: false })).table));
defineDedupeStoreContract('DynamoDedupeStore on dynalite', async () => new DynamoDedupeStore((await createTestResources({ queues: false })).table));
defineCacheIndexContract('DynamoCacheIndex on dynalite', async () => new DynamoCacheIndex((await createTestResources({ queues: false })).table));
