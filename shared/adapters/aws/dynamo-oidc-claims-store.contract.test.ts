import { createTestResources } from '../../../test/support/aws';
import { defineOidcClaimsStoreContract } from '../../ports/oidc-claims-store.contract';
import { DynamoOidcClaimsStore } from './dynamo-oidc-claims-store';

defineOidcClaimsStoreContract('DynamoOidcClaimsStore on dynalite', async () => new DynamoOidcClaimsStore((await createTestResources({ queues: false })).table));
