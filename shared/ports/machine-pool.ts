// The EC2 machine pools of an AWS deployment, as the control plane drives them (the ASG and SSM adapters in
// functions/aws-compute.ts implement it). Every call is one or a few AWS requests, safe to retry.
/** A pending lifecycle action of an instance of a machine group. */
export interface LifecycleAction {
  instanceId: string;
  groupName: string;
  hookName: string;
  token: string;
}

/**
 * The EC2 machine pools (AWS mode): one auto scaling group per machine resource class, whose instances run
 * `slipway runner --resource-class machine/<class>` and take one job each. The control plane, never an instance,
 * issues their credentials and terminates them.
 */
export interface MachinePool {
  /** Machine resource classes that have a group. */
  readonly classes: readonly string[];
  /** The machine class of one of Slipway's groups, or `undefined` for any other group. */
  classOfGroup(groupName: string): string | undefined;
  /** Terminates the given idle instances, lowering their group's desired capacity; resolves the ids terminated. */
  scaleIn(instanceIds: readonly string[]): Promise<string[]>;
  /**
   * Terminates instances that are done (their job ran, they never registered, their credential expired), whatever
   * their scale-in protection; lowers the desired capacity unless the group is at its minimum (then a fresh
   * instance replaces them). An instance that is already gone is not an error. Resolves the ids terminated.
   */
  retire(instanceIds: readonly string[]): Promise<string[]>;
  /** Sets or clears an instance's scale-in protection (set while it runs a job). */
  protect(instanceId: string, groupName: string, on: boolean): Promise<void>;
  /** Stores an instance's runner credential where only that instance can read it. Safe to call again (replaces it). */
  storeCredential(instanceId: string, credential: string): Promise<void>;
  /** Deletes an instance's runner credential; safe when it is already gone. */
  deleteCredential(instanceId: string): Promise<void>;
  /** Lets a launching instance go on into service (completes its launch lifecycle action with CONTINUE). */
  completeLaunch(action: LifecycleAction): Promise<void>;
  /** Lets a terminating instance go once its job was requeued (completes its termination lifecycle action). */
  completeTermination(action: LifecycleAction): Promise<void>;
}
