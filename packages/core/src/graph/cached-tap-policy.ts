import type { Clock } from '../clock';
import type { GraphGateway, TapPolicy } from './graph.port';

/**
 * The tenant's TAP policy changes rarely and is read before every schedule and issue: keep it
 * for `ttlMs` (TAP_POLICY_CACHE_SECONDS) per process. Concurrent readers share one request.
 */
export function withTapPolicyCache(graph: GraphGateway, ttlMs: number, clock: Clock): GraphGateway {
  let cached: { at: number; policy: Promise<TapPolicy> } | null = null;
  // Explicit delegation (not Object.create): the adapter's methods use private fields.
  const cachedGateway: GraphGateway = {
    getUser: (idOrUpn) => graph.getUser(idOrUpn),
    getUserWithManager: (idOrUpn) => graph.getUserWithManager(idOrUpn),
    getManager: (userId) => graph.getManager(userId),
    findDeviceByDeviceId: (deviceId) => graph.findDeviceByDeviceId(deviceId),
    checkMemberGroups: (objectId, groupIds) => graph.checkMemberGroups(objectId, groupIds),
    addGroupMember: (groupId, objectId) => graph.addGroupMember(groupId, objectId),
    removeGroupMember: (groupId, objectId) => graph.removeGroupMember(groupId, objectId),
    getTapPolicy: () => graph.getTapPolicy(),
    listTemporaryAccessPasses: (userId) => graph.listTemporaryAccessPasses(userId),
    createTemporaryAccessPass: (userId, req) => graph.createTemporaryAccessPass(userId, req),
    deleteTemporaryAccessPass: (userId, methodId) => graph.deleteTemporaryAccessPass(userId, methodId),
    sendMail: (senderUpn, message) => graph.sendMail(senderUpn, message),
    findManagedDevice: (azureAdDeviceId) => graph.findManagedDevice(azureAdDeviceId),
    syncManagedDevice: (managedDeviceId) => graph.syncManagedDevice(managedDeviceId),
  };
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
