import { defineRunnerStoreContract } from '../../ports/runner-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoRunnerStore } from './dynamo-runner-store';

defineRunnerStoreContract('DynamoRunnerStore on dynalite', async () => new DynamoRunnerStore((await createTestResources({ queues: false })).table));
