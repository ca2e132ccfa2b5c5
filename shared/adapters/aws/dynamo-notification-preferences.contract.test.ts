import { defineNotificationPreferencesContract } from '../../ports/notification-preferences.contract';
import { createTestResources } from '../../../test/support/aws';
import { DynamoNotificationPreferences } from './dynamo-notification-preferences';

defineNotificationPreferencesContract(
  'DynamoNotificationPreferences on dynalite',
  async () => new DynamoNotificationPreferences((await createTestResources({ queues: false })).table),
);
