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
import { projectListRoutes } from './project-list';
import { projectRoutes } from './projects';
import { runnerRoutes } from './runner';
import { runnerAdminRoutes } from './runners';
import { scheduleRoutes } from './schedules';
import { settingsRoutes } from './settings';
import { sshKeyRoutes } from './ssh-keys';
import { userRoutes } from './users';
import { userSshKeyRoutes } from './user-ssh-keys';
import { webhookRoutes } from './webhooks';
import { auditRoutes } from './audit';
import { notificationSettingsRoutes } from './notification-settings';
import { workflowRoutes } from './workflows';

/** Every API route. Order matters only where paths overlap (more specific first). */
export const apiRoutes: Route[] = [...metaRoutes, ...oidcRoutes, ...continuationRoutes, ...insightsRoutes, ...pipelineRoutes, ...workflowRoutes, ...settingsRoutes, ...sshKeyRoutes, ...jobRoutes, ...projectRoutes, ...runnerRoutes, ...jobBlobRoutes, ...runnerAdminRoutes, ...contextRoutes, ...scheduleRoutes, ...userRoutes, ...userSshKeyRoutes, ...oauthRoutes, ...webhookRoutes, ...auditRoutes, ...notificationSettingsRoutes, ...projectListRoutes, ...configRoutes];
