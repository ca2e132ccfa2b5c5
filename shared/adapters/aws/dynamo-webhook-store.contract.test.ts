import { defineWebhookStoreContract } from '../../ports/webhook-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoWebhookStore } from './dynamo-webhook-store';

defineWebhookStoreContract('DynamoWebhookStore on dynalite', async () => new DynamoWebhookStore((await createTestResources({ queues: false })).table));
