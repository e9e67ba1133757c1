import { isWorkflowError } from '../errors';
import type { GraphGateway } from '../graph/graph.port';

/**
 * Tells the blast-radius brake how each TAP create ended. Only permanent refusals count as
 * failures (a wrong lifetime, a lost permission, a refused user): throttling and outages are
 * retried by the workflow and say nothing about a bad batch, and policy refusals right after a
 * group add are replication lag, which the readiness gate covers when it is not.
 */
export function withIssuanceAccounting(graph: GraphGateway, onOutcome: (failed: boolean) => Promise<unknown>): GraphGateway {
  return {
    ...bind(graph),
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

/** Explicit delegation: the adapter's methods use private fields, so they must keep their `this`. */
function bind(graph: GraphGateway): GraphGateway {
  return {
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
}
