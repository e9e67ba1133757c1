import { randomUUID } from 'node:crypto';
import type { GraphGateway, IssuedTap, WriteResult } from '../graph/graph.port';

/**
 * DRY_RUN (issue 9): rehearsals against a real tenant. Reads pass through; every write is
 * logged and skipped with a plausible answer, so the workflow runs its whole course. The TAP
 * "create" makes no pass: its passcode field holds this marker, never a passcode, and the
 * guard marks the onboarding (DRY_RUN_WARNING).
 */
export const DRY_RUN_NO_PASSCODE = 'DRY-RUN: no passcode was created';

export interface DryRunLog {
  info(obj: object, msg?: string): void;
}

export function withDryRun(graph: GraphGateway, log: DryRunLog): GraphGateway {
  const skipped = <T extends string>(call: string, facts: object, outcome: T): WriteResult<T> => {
    log.info({ dryRun: true, call, ...facts }, 'dry run: Graph write skipped');
    return { outcome };
  };
  return {
    // Reads (checkMemberGroups is a POST, but it changes nothing).
    getUser: (idOrUpn) => graph.getUser(idOrUpn),
    getUserWithManager: (idOrUpn) => graph.getUserWithManager(idOrUpn),
    getManager: (userId) => graph.getManager(userId),
    findDeviceByDeviceId: (deviceId) => graph.findDeviceByDeviceId(deviceId),
    checkMemberGroups: (objectId, groupIds) => graph.checkMemberGroups(objectId, groupIds),
    getTapPolicy: () => graph.getTapPolicy(),
    listTemporaryAccessPasses: (userId) => graph.listTemporaryAccessPasses(userId),
    findManagedDevice: (azureAdDeviceId) => graph.findManagedDevice(azureAdDeviceId),
    // Writes.
    addGroupMember: async (groupId, objectId) => skipped('addGroupMember', { groupId, objectId }, 'added'),
    removeGroupMember: async (groupId, objectId) => skipped('removeGroupMember', { groupId, objectId }, 'removed'),
    deleteTemporaryAccessPass: async (userId, methodId) => skipped('deleteTemporaryAccessPass', { userId, methodId }, 'deleted'),
    // Only the sender: the recipient and body are the manager's business, not the log's.
    sendMail: async (senderUpn) => skipped('sendMail', { senderUpn }, 'sent'),
    syncManagedDevice: async (managedDeviceId) => skipped('syncManagedDevice', { managedDeviceId }, 'synced'),
    async createTemporaryAccessPass(userId, req): Promise<IssuedTap> {
      skipped('createTemporaryAccessPass', { userId, startDateTime: req.startDateTime, lifetimeInMinutes: req.lifetimeInMinutes }, 'created');
      return {
        id: `dry-run-${randomUUID()}`,
        createdDateTime: new Date().toISOString(),
        startDateTime: req.startDateTime ?? new Date().toISOString(),
        lifetimeInMinutes: req.lifetimeInMinutes,
        isUsableOnce: req.isUsableOnce,
        isUsable: false,
        methodUsabilityReason: null,
        temporaryAccessPass: DRY_RUN_NO_PASSCODE,
      };
    },
  };
}
