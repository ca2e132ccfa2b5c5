import { defineIdentityStoreContract } from '../../ports/identity-store.contract';
import { defineContextStoreContract } from '../../ports/context-store.contract';
import { defineScheduleStoreContract } from '../../ports/schedule-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoContextStore } from './dynamo-context-store';
import { DynamoIdentityStore } from './dynamo-identity-store';
import { DynamoScheduleStore } from './dynamo-schedule-store';

defineContextStoreContract('DynamoContextStore on dynalite', async () => new DynamoContextStore((await createTestResources({ queues: false })).table));
defineScheduleStoreContract('DynamoScheduleStore on dynalite', async () => new DynamoScheduleStore((await createTestResources({ queues: false })).table));
defineIdentityStoreContract('DynamoIdentityStore on dynalite', async () => new DynamoIdentityStore((await createTestResources({ queues: false })).table));
