import type { StepPlan } from '../../shared/config/plan';
import { storeArtifactsStep, storeTestResultsStep } from './artifacts';
import { restoreCacheStep, saveCacheStep } from './cache';
import { checkoutStep } from './checkout';
import type { StepHandler } from './context';
import { addSshKeysStep, setupRemoteDockerStep } from './environment-steps';
import { runStep } from './run';
import { attachWorkspaceStep, persistToWorkspaceStep } from './workspace';

/** Step handlers by step type. */
export const stepHandlers: Record<StepPlan['type'], StepHandler<any>> = {
  run: runStep,
  checkout: checkoutStep,
  save_cache: saveCacheStep,
  restore_cache: restoreCacheStep,
  persist_to_workspace: persistToWorkspaceStep,
  attach_workspace: attachWorkspaceStep,
  store_artifacts: storeArtifactsStep,
  store_test_results: storeTestResultsStep,
  add_ssh_keys: addSshKeysStep,
  setup_remote_docker: setupRemoteDockerStep,
};
