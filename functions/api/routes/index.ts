import type { Route } from '../http';
import { contextRoutes } from './contexts';
import { continuationRoutes } from './continuation';
import { jobBlobRoutes } from './job-blobs';
import { jobRoutes } from './jobs';
import { metaRoutes } from './meta';
import { pipelineRoutes } from './pipelines';
import { projectRoutes } from './projects';
import { runnerRoutes } from './runner';
import { runnerAdminRoutes } from './runners';
import { scheduleRoutes } from './schedules';
import { settingsRoutes } from './settings';
import { userRoutes } from './users';
import { workflowRoutes } from './workflows';

/** Every API route. Order matters only where paths overlap (more specific first). */
export const apiRoutes: Route[] = [...metaRoutes, ...continuationRoutes, ...pipelineRoutes, ...workflowRoutes, ...settingsRoutes, ...jobRoutes, ...projectRoutes, ...runnerRoutes, ...jobBlobRoutes, ...runnerAdminRoutes, ...contextRoutes, ...scheduleRoutes, ...userRoutes];
