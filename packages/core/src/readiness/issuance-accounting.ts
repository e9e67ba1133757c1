import { isWorkflowError } from '../errors';
import type { GraphGateway } from '../graph/graph.port';
import { delegateGateway } from '../graph/delegate-gateway';

/**
 * Tells the blast-radius brake how each TAP create ended. Only permanent refusals count as
 * failures (a wrong lifetime, a lost permission, a refused user): throttling and outages are
 * retried by the workflow and say nothing about a bad batch, and policy refusals right after a
 * group add are replication lag, which the readiness gate covers when it is not.
 */
export function withIssuanceAccounting(graph: GraphGateway, onOutcome: (failed: boolean) => Promise<unknown>): GraphGateway {
  return {
    ...delegateGateway(graph),
    async createTemporaryAccessPass(userId, req) {
      try {
        const issued = await graph.createTemporaryAccessPass(userId, req);
        await onOutcome(false);
        return issued;
      } catch (err) {
        if (isWorkflowError(err) && err.kind === 'permanent') await onOutcome(true);
        throw err;
      }
    },
  };
}

