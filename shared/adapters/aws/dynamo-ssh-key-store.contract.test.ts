import { defineSshKeyStoreContract } from '../../ports/ssh-key-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoSshKeyStore } from './dynamo-ssh-key-store';

defineSshKeyStoreContract('DynamoSshKeyStore on dynalite', async () => new DynamoSshKeyStore((await createTestResources({ queues: false })).table));
