/**
 * The failure kinds every step and adapter is sorted into, in one place (STYLE habit 5).
 * - throttled: Graph said 429; wait Retry-After, spend no attempt.
 * - transient: 5xx, timeouts, connection resets; retry with backoff.
 * - waiting:   a condition that may resolve by itself (account not provisioned yet,
 *              replication lag); retried for a bounded window, then needs_attention.
 * - permanent: retrying cannot help; the step fails with the reason.
 */
export type FailureKind = 'throttled' | 'transient' | 'waiting' | 'permanent';

export interface GraphErrorDetail {
  status?: number;
  code?: string;
  message: string;
  requestId?: string;
}

export abstract class WorkflowError extends Error {
  abstract readonly kind: FailureKind;
  readonly graph?: GraphErrorDetail;
  constructor(message: string, graph?: GraphErrorDetail) {
    super(message);
    this.name = new.target.name;
    this.graph = graph;
  }
  /** A one-line reason fit for the onboarding record and the audit trail (no secrets). */
  get reason(): string {
    if (!this.graph) return this.message;
    const parts = [this.message];
    if (this.graph.code) parts.push(`code ${this.graph.code}`);
    if (this.graph.status) parts.push(`status ${this.graph.status}`);
    if (this.graph.requestId) parts.push(`request-id ${this.graph.requestId}`);
    return parts.join('; ');
  }
}

/**
 * Whose budget a 429 spent: `tenant` (Graph's limits per app and tenant, which every call
 * shares) or `mailbox` (Outlook's limits on one mailbox, answered `ApplicationThrottled`: only
 * calls to that mailbox, i.e. the notices of its sender, must wait).
 */
export type ThrottleScope = 'tenant' | 'mailbox';

export class ThrottledError extends WorkflowError {
  readonly kind = 'throttled' as const;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    graph?: GraphErrorDetail,
    /** False when Graph sent no Retry-After and `retryAfterMs` is only our first guess. */
    readonly retryAfterKnown = true,
    readonly scope: ThrottleScope = 'tenant',
  ) {
    super(message, graph);
  }
}

export class TransientError extends WorkflowError {
  readonly kind = 'transient' as const;
}

export class WaitingError extends WorkflowError {
  readonly kind = 'waiting' as const;
  constructor(
    message: string,
    /** Stable name of the condition waited on, e.g. 'user-not-found', 'tap-policy-replication'. */
    readonly condition: string,
    graph?: GraphErrorDetail,
  ) {
    super(message, graph);
  }
}

export class PermanentError extends WorkflowError {
  readonly kind = 'permanent' as const;
}

export function isWorkflowError(err: unknown): err is WorkflowError {
  return err instanceof WorkflowError;
}
