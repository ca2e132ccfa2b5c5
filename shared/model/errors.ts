/**
 * Errors carry typed context, a `cause`, and say how to fix the problem. HTTP handlers map them to CircleCI's
 * `{ "message": ... }` bodies with the status below.
 */
export class SlipwayError extends Error {
  readonly status: number;
  readonly context: Record<string, unknown>;
  constructor(message: string, status: number, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.context = context;
  }
}

export class NotFoundError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, 404, context);
  }
}

export class ValidationError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, 400, context);
  }
}

export class UnauthorizedError extends SlipwayError {
  constructor(message = 'Invalid token provided.', context: Record<string, unknown> = {}) {
    super(message, 401, context);
  }
}

export class ForbiddenError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, 403, context);
  }
}

export class ConflictError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, 409, context);
  }
}

/** A conditional write found the item in another state: someone else (or a duplicate message) got there first. */
export class ConditionFailedError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 409, context, options);
  }
}

/** Compute capacity is temporarily unavailable; retry later through the queue. */
export class ComputeCapacityError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 503, context, options);
  }
}

/** Fetching a repository or its config failed (clone, fetch, contents API). */
export class VcsError extends SlipwayError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 502, context, options);
  }
}

/** An outbound webhook URL that may not be used (scheme, or an address the operator does not allow). */
export class WebhookTargetError extends ValidationError {}
/** The branch, tag or revision asked for does not exist in the repository (the repository itself was read). */
export class RefNotFoundError extends VcsError {
  readonly kind: 'Branch' | 'Tag' | 'Revision';
  constructor(kind: 'Branch' | 'Tag' | 'Revision', message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, { ...context, kind }, options);
    this.kind = kind;
  }
}
