import type { Context, ContextRestriction } from '../model/entities';
import type { Page } from './pipeline-store';

export interface StoredContextVariable {
  contextId: string;
  name: string;
  /** Ciphertext from `SecretCipher`; never the clear value. */
  encryptedValue: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Contexts of organisations, their (encrypted) variables and restrictions.
 *
 * Semantics (every adapter passes `defineContextStoreContract`):
 * - A context name is unique in its owner: `createContext` resolves `false` and stores nothing when the name
 *   (or the id) is taken; concurrent creates of one name let exactly one win.
 * - `putVariable` creates or overwrites (keeping the first `createdAt`); deletes resolve whether something was
 *   deleted, so calling them twice is safe.
 * - `deleteContext` removes the context with its variables and restrictions and frees its name.
 * - Lists are ordered by name (contexts, variables) or creation (restrictions); reads are strongly consistent
 *   except `listContexts`, which is eventually consistent (a secondary index).
 */
export interface ContextStore {
  createContext(context: Context): Promise<boolean>;
  getContext(id: string): Promise<Context | undefined>;
  getContextByName(ownerSlug: string, name: string): Promise<Context | undefined>;
  listContexts(ownerSlug: string, options?: { pageToken?: string; limit?: number }): Promise<Page<Context>>;
  deleteContext(id: string): Promise<boolean>;
  putVariable(variable: StoredContextVariable): Promise<StoredContextVariable>;
  listVariables(contextId: string): Promise<StoredContextVariable[]>;
  deleteVariable(contextId: string, name: string): Promise<boolean>;
  putRestriction(restriction: ContextRestriction): Promise<void>;
  listRestrictions(contextId: string): Promise<ContextRestriction[]>;
  deleteRestriction(contextId: string, restrictionId: string): Promise<boolean>;
}
