import { createTestResources } from '../../../test/support/aws';
import { defineUserSshKeyStoreContract } from '../../ports/user-ssh-key-store.contract';
import { DynamoUserSshKeyStore } from './dynamo-user-ssh-key-store';

defineUserSshKeyStoreContract('DynamoUserSshKeyStore on dynalite', async () => new DynamoUserSshKeyStore((await createTestResources({ queues: false })).table));
