import type { Clock } from '../clock';
import type { GraphGateway, TapPolicy } from './graph.port';
import { delegateGateway } from './delegate-gateway';

/**
 * The tenant's TAP policy changes rarely and is read before every schedule and issue: keep it
 * for `ttlMs` (TAP_POLICY_CACHE_SECONDS) per process. Concurrent readers share one request.
 */
export function withTapPolicyCache(graph: GraphGateway, ttlMs: number, clock: Clock): GraphGateway {
  let cached: { at: number; policy: Promise<TapPolicy> } | null = null;
  const cachedGateway = delegateGateway(graph);
  cachedGateway.getTapPolicy = () => {
    const now = clock.now().getTime();
    if (cached && now - cached.at < ttlMs) return cached.policy;
    const policy = graph.getTapPolicy();
    cached = { at: now, policy };
    // A failed read is not kept: the next caller asks again.
    policy.catch(() => {
      if (cached?.policy === policy) cached = null;
    });
    return policy;
  };
  return cachedGateway;
}
