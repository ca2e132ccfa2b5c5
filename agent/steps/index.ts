import type { StepPlan } from '../../shared/config/plan';
import { checkoutStep } from './checkout';
import type { StepHandler } from './context';
import { runStep } from './run';

/** Step handlers by step type. A step type without a handler fails with a clear message. */
export const stepHandlers: Partial<Record<StepPlan['type'], StepHandler<any>>> = {
  run: runStep,
  checkout: checkoutStep,
};
