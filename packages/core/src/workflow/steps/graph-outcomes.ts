import { PermanentError, isWorkflowError } from '../../errors';

/**
 * What a failed Graph *write* says about whether it took effect. Decided by status only:
 * - a 4xx (429 included) is a refusal: nothing was written;
 * - 503 Service Unavailable is a refusal too: the front end turned the call away before the
 *   service did the work (it is what the simulator's `status` fault answers, without writing);
 * - no answer at all (timeout, reset), 500, 502 and 504 may come after the write was applied
 *   (the simulator's `commitThenFail` answers 500 or drops the connection after writing):
 *   the outcome is unknown and must be looked up, or, where it cannot be (sendMail), assumed done.
 */
export function isAmbiguousWriteFailure(err: unknown): boolean {
  if (!isWorkflowError(err) || err.kind !== 'transient') return !isWorkflowError(err);
  const status = err.graph?.status;
  return status === undefined || status <= 0 || status === 500 || status === 502 || status === 504;
}

/**
 * A 404 for an object we have just seen (a user found a moment ago, a device we resolved):
 * directory replication, not a missing object. The caller waits within the replication
 * window (failure-policy.ts) before it counts as permanent.
 */
export function isNotFoundYet(err: unknown): err is PermanentError {
  return err instanceof PermanentError && err.graph?.status === 404;
}
