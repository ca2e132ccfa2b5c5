import type { Route } from '../http';
import { configRoutes } from './config';
import { contextRoutes } from './contexts';
import { continuationRoutes } from './continuation';
import { insightsRoutes } from './insights';
import { jobBlobRoutes } from './job-blobs';
import { jobRoutes } from './jobs';
import { metaRoutes } from './meta';
import { oauthRoutes } from './oauth';
import { oidcRoutes } from './oidc';
import { pipelineRoutes } from './pipelines';
import { privateRoutes } from './private';
import { projectListRoutes } from './project-list';
import { projectRoutes } from './projects';
import { runnerRoutes } from './runner';
import { runnerAdminRoutes } from './runners';
import { scheduleRoutes } from './schedules';
import { settingsRoutes } from './settings';
import { sshKeyRoutes } from './ssh-keys';
import { usageRoutes } from './usage';
import { userRoutes } from './users';
import { userSshKeyRoutes } from './user-ssh-keys';
import { v1BuildRoutes } from './v1-builds';
import { v1ProjectRoutes } from './v1-projects';
import { webhookRoutes } from './webhooks';
import { auditRoutes } from './audit';
import { smokeTestRoutes } from './smoke-test';
import { notificationSettingsRoutes } from './notification-settings';
import { workflowRoutes } from './workflows';

/** Every API route. Order matters only where paths overlap (more specific first). */
export const apiRoutes: Route[] = [
  ...metaRoutes,
  ...oidcRoutes,
  ...continuationRoutes,
  ...insightsRoutes,
  ...pipelineRoutes,
  ...workflowRoutes,
  ...settingsRoutes,
  ...sshKeyRoutes,
  ...jobRoutes,
  ...projectRoutes,
  ...runnerRoutes,
  ...jobBlobRoutes,
  ...runnerAdminRoutes,
  ...contextRoutes,
  ...scheduleRoutes,
  ...userRoutes,
  ...userSshKeyRoutes,
  ...oauthRoutes,
  ...webhookRoutes,
  ...auditRoutes,
  ...smokeTestRoutes,
  ...notificationSettingsRoutes,
  ...projectListRoutes,
  ...configRoutes,
  ...privateRoutes,
  ...usageRoutes,
  ...v1ProjectRoutes,
  ...v1BuildRoutes,
];
