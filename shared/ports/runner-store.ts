import type { RunnerQueueKey } from '../model/runner-queue';
/** A self-hosted runner resource class (`namespace/name`), as CircleCI's runner API shows it. */
export interface RunnerResourceClass {
  id: string;
  /** `namespace/name`. */
  name: string;
  namespace: string;
  /** The organisation that owns the class (`gh/acme`) and its id: only its jobs run on the class. */
  organizationSlug?: string;
  organizationId?: string;
  description: string;
  createdAt: string;
}

/** A runner token: only its SHA-256 hash is stored. */
export interface RunnerToken {
  id: string;
  resourceClass: string;
  nickname: string;
  hash: string;
  createdAt: string;
}

/** A task waiting for a runner of its resource class. */
export interface RunnerQueueEntry extends RunnerQueueKey {
  queuedAt: string;
  claimedBy?: string;
  claimedAt?: string;
}

/** A runner that has asked for work (for the runner listing). */
export interface RunnerInfo {
  resourceClass: string;
  name: string;
  version: string;
  firstSeen: string;
  lastSeen: string;
}

/**
 * An EC2 machine pool instance and its runner credential (AWS mode): issued by the control plane when the
 * instance launches, readable only by that instance (an SSM SecureString parameter), good for one claim. Only
 * the credential's hash is stored.
 */
export interface MachineInstance {
  instanceId: string;
  /** The machine resource class (`medium`), whose runner queue is `machine/<class>`. */
  resourceClass: string;
  groupName: string;
  credentialHash: string;
  issuedAt: string;
  /** The credential claims nothing after this (the group replaces instances before: maximum instance lifetime). */
  credentialExpiresAt: string;
  /** The one task the instance claimed (`<job>#<task>#<attempt>`) and when. */
  claimedTask?: string;
  claimedAt?: string;
}

/**
 * Self-hosted runners: resource classes, their tokens (hashes only), the queue of tasks waiting for a runner,
 * and the runners seen.
 *
 * Semantics (every adapter passes `defineRunnerStoreContract`):
 * - `createResourceClass`/`createToken`/`enqueue` are idempotent creates: an existing name (class), id (token)
 *   or (job, task, attempt) (queue entry) is left untouched and resolves `false`.
 * - `claim` is a conditional write: of any number of concurrent claims of one entry exactly one resolves
 *   `true`; a claimed entry is never handed out again. `listQueued` returns unclaimed entries, oldest first.
 * - Deletes and `remove` are safe to call twice. `touchRunner` keeps the first-seen time.
 * - `putMachineInstance` replaces the instance's record; `claimMachineInstance` is a conditional write: an
 *   instance claims one task, ever (of concurrent calls exactly one resolves `true`); `releaseMachineClaim`
 *   undoes a claim of that same task only.
 */
export interface RunnerStore {
  createResourceClass(rc: RunnerResourceClass): Promise<boolean>;
  getResourceClass(name: string): Promise<RunnerResourceClass | undefined>;
  getResourceClassById(id: string): Promise<RunnerResourceClass | undefined>;
  listResourceClasses(namespace: string): Promise<RunnerResourceClass[]>;
  deleteResourceClass(name: string): Promise<void>;

  createToken(token: RunnerToken): Promise<boolean>;
  getTokenByHash(hash: string): Promise<RunnerToken | undefined>;
  getTokenById(id: string): Promise<RunnerToken | undefined>;
  listTokens(resourceClass: string): Promise<RunnerToken[]>;
  deleteToken(id: string): Promise<void>;

  enqueue(entry: RunnerQueueEntry): Promise<boolean>;
  listQueued(resourceClass: string): Promise<RunnerQueueEntry[]>;
  claim(entry: RunnerQueueEntry, runnerName: string, at: string): Promise<boolean>;
  remove(entry: Pick<RunnerQueueEntry, 'resourceClass' | 'jobId' | 'taskIndex' | 'attempt'>): Promise<void>;

  touchRunner(info: Omit<RunnerInfo, 'firstSeen'>): Promise<void>;
  listRunners(resourceClass: string): Promise<RunnerInfo[]>;

  putMachineInstance(instance: MachineInstance): Promise<void>;
  getMachineInstance(instanceId: string): Promise<MachineInstance | undefined>;
  listMachineInstances(): Promise<MachineInstance[]>;
  claimMachineInstance(instanceId: string, task: string, at: string): Promise<boolean>;
  releaseMachineClaim(instanceId: string, task: string): Promise<void>;
  deleteMachineInstance(instanceId: string): Promise<void>;
}
