import type { Route } from '../http';
import { jobRoutes } from './jobs';
import { metaRoutes } from './meta';
import { pipelineRoutes } from './pipelines';
import { projectRoutes } from './projects';
import { runnerRoutes } from './runner';
import { workflowRoutes } from './workflows';

/** Every API route. Order matters only where paths overlap (more specific first). */
export const apiRoutes: Route[] = [...metaRoutes, ...pipelineRoutes, ...workflowRoutes, ...jobRoutes, ...projectRoutes, ...runnerRoutes];
