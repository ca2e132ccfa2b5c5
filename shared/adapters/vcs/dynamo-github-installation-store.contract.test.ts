import { defineGitHubInstallationStoreContract } from '../../ports/github-installation-store.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoGitHubInstallationStore } from './dynamo-github-installation-store';

defineGitHubInstallationStoreContract(
  'DynamoGitHubInstallationStore on dynalite',
  async () => new DynamoGitHubInstallationStore((await createTestResources({ queues: false })).table),
);
