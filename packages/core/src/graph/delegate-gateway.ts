import type { GraphGateway } from './graph.port';

/**
 * A plain object that forwards every port method to `graph`, for decorators that override a
 * few. Explicit delegation (not spreading or Object.create): the adapter's methods use private
 * fields, so they must keep their `this`.
 */
export function delegateGateway(graph: GraphGateway): GraphGateway {
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
