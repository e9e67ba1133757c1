import { randomUUID } from 'node:crypto';
import type { RequestLogEntry, SimCore } from './core';
import { validateRules, type FaultRule } from './faults';
import { json, type HttpOut } from './http';
import type { MailRecord, NotificationRecord, SyncRecord, TapRecord } from './tenant/state';
import type { DeviceDefinition, ManagedDeviceDefinition, TapPolicyDefinition, TenantDefinition, UserDefinition } from './tenant/types';
import type { ThrottleConfig } from './throttle';
import type { MailboxRequestLimit } from './mailbox';

export type TapView = Omit<TapRecord, 'replacedAt' | 'usedAt'> & { replacedAt?: string; usedAt?: string };

/** In-process access to what /_sim/ exposes. Test-only introspection: never part of Graph. */
export interface SimControl {
  mails(): MailRecord[];
  /** How many mails were accepted (sent), without their bodies: `counts().sendMail` counts refused requests too. */
  mailCount(): number;
  notifications(): NotificationRecord[];
  /** Intune syncDevice calls. */
  syncs(): SyncRecord[];
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Every TAP issued, passcodes included; filter by user id or UPN. */
  taps(userIdOrUpn?: string): TapView[];
  groupMembers(groupId: string): string[];
  state(): TenantDefinition & { taps: TapView[]; replicationLagMs: number; clockOffsetMs: number };
  reset(): void;
  setFaults(rules: FaultRule[]): void;
  clearFaults(): void;
  faults(): FaultRule[];
  setThrottle(config: ThrottleConfig | null): void;
  /** Outlook's requests per mailbox per window (default 10,000 per 10 minutes); null restores it. */
  setMailboxRequestLimit(limit: MailboxRequestLimit | null): void;
  mailboxRequestLimit(): MailboxRequestLimit;
  setClockOffset(ms: number): void;
  clockOffset(): number;
  setReplicationLag(ms: number): void;
  counts(): Record<string, number>;
  addUser(user: Partial<UserDefinition> & { userPrincipalName: string }): UserDefinition;
  addDevice(device: Partial<DeviceDefinition> & { displayName: string }): DeviceDefinition;
  /** Enrols a device in Intune: a managed device with the device's id as azureADDeviceId. */
  addManagedDevice(device: Partial<ManagedDeviceDefinition> & { azureADDeviceId: string }): ManagedDeviceDefinition;
  /** Adds directly (no Graph call, no permission check); counts for TAP policy after the replication lag like any change. */
  addGroupMember(groupId: string, objectId: string): void;
  setTapPolicy(patch: Partial<TapPolicyDefinition>): TapPolicyDefinition;
  /** Simulates a sign-in with the user's current pass (a one-time pass then reads OneTimeUsed). */
  useTap(userIdOrUpn: string): TapView | undefined;
}

const copy = <T>(v: T): T => structuredClone(v);

export function createControl(core: SimCore): SimControl {
  const taps = (who?: string): TapView[] => {
    const user = who ? core.state.findUser(who) : undefined;
    if (who && !user) return [];
    return copy(core.state.taps.filter((t) => !user || t.userId === user.id));
  };
  return {
    mails: () => copy(core.state.mails),
    mailCount: () => core.state.mails.length,
    notifications: () => copy(core.state.notifications),
    syncs: () => copy(core.state.syncs),
    requests: () => copy(core.log),
    clearRequests: () => void (core.log.length = 0),
    taps,
    groupMembers: (groupId) => core.state.directMembers(groupId),
    state: () => ({
      ...core.state.snapshot(),
      taps: taps(),
      replicationLagMs: core.state.replicationLagMs,
      clockOffsetMs: core.clock.offset(),
    }),
    reset: () => core.reset(),
    setFaults: (rules) => core.faults.set(validateRules(rules)),
    clearFaults: () => core.faults.clear(),
    faults: () => core.faults.list(),
    setThrottle: (config) => core.throttle.configure(config),
    setMailboxRequestLimit: (limit) => core.mailboxRequests.configure(limit),
    mailboxRequestLimit: () => core.mailboxRequests.current(),
    setClockOffset: (ms) => core.clock.setOffset(ms),
    clockOffset: () => core.clock.offset(),
    setReplicationLag: (ms) => void (core.state.replicationLagMs = ms),
    counts: () => Object.fromEntries([...core.counts.entries()].sort()),
    addUser(partial) {
      const upn = partial.userPrincipalName;
      if (core.state.findUser(upn)) throw new Error(`user ${upn} exists`);
      const user: UserDefinition = {
        id: randomUUID(),
        displayName: upn.split('@')[0] ?? upn,
        accountEnabled: true,
        userType: 'Member',
        mail: upn,
        assignedPlans: [],
        ...partial,
      };
      core.state.putUser(user);
      return copy(user);
    },
    addDevice(partial) {
      const device: DeviceDefinition = {
        id: randomUUID(),
        deviceId: randomUUID(),
        operatingSystem: 'Windows',
        operatingSystemVersion: '10.0.22631.4460',
        trustType: 'AzureAd',
        accountEnabled: true,
        ...partial,
      };
      core.state.putDevice(device);
      return copy(device);
    },
    addManagedDevice(partial) {
      const managed: ManagedDeviceDefinition = {
        id: randomUUID(),
        deviceName: partial.azureADDeviceId,
        operatingSystem: 'Windows',
        osVersion: '10.0.22631.4460',
        managedDeviceOwnerType: 'company',
        complianceState: 'compliant',
        managementAgent: 'mdm',
        enrolledDateTime: core.clock.iso(),
        lastSyncDateTime: core.clock.iso(),
        ...partial,
      };
      core.state.putManagedDevice(managed);
      return copy(managed);
    },
    addGroupMember(groupId, objectId) {
      if (!core.state.groups.has(groupId)) throw new Error(`no group ${groupId}`);
      if (!core.state.objectType(objectId)) throw new Error(`no object ${objectId}`);
      if (!core.state.isDirectMember(groupId, objectId)) core.state.addMember(groupId, objectId);
    },
    setTapPolicy(patch) {
      core.state.tapPolicy = { ...core.state.tapPolicy, ...patch };
      return copy(core.state.tapPolicy);
    },
    useTap(who) {
      const user = core.state.findUser(who);
      const tap = user && core.state.currentTaps.get(user.id);
      if (!tap) return undefined;
      tap.usedAt = core.clock.iso();
      return copy(tap);
    },
  };
}

/** The HTTP face of SimControl under /_sim/ (no auth, JSON). */
export function handleControl(control: SimControl, core: SimCore, method: string, path: string, query: URLSearchParams, body: unknown): HttpOut {
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  const b = (body ?? {}) as Record<string, unknown>;
  try {
    switch (route) {
      case 'GET /_sim/health': return json(200, { ok: true });
      case 'GET /_sim/mails': return json(200, control.mails());
      case 'GET /_sim/mail-count': return json(200, { count: control.mailCount() });
      case 'GET /_sim/notifications': return json(200, control.notifications());
      case 'GET /_sim/syncs': return json(200, control.syncs());
      case 'GET /_sim/requests': return json(200, control.requests());
      case 'DELETE /_sim/requests': control.clearRequests(); return json(200, { cleared: true });
      case 'GET /_sim/taps': return json(200, control.taps(query.get('user') ?? undefined));
      case 'GET /_sim/state': return json(200, control.state());
      case 'POST /_sim/reset': control.reset(); return json(200, { reset: true });
      case 'GET /_sim/faults': return json(200, control.faults());
      case 'PUT /_sim/faults': control.setFaults((Array.isArray(body) ? body : b.rules) as FaultRule[]); return json(200, control.faults());
      case 'DELETE /_sim/faults': control.clearFaults(); return json(200, []);
      case 'GET /_sim/throttle': return json(200, core.throttle.current());
      case 'PUT /_sim/throttle': control.setThrottle((body ?? null) as ThrottleConfig | null); return json(200, core.throttle.current());
      case 'DELETE /_sim/throttle': control.setThrottle(null); return json(200, null);
      case 'GET /_sim/mailbox-limit': return json(200, control.mailboxRequestLimit());
      case 'PUT /_sim/mailbox-limit': control.setMailboxRequestLimit({ requests: Number(b.requests), windowMs: Number(b.windowMs) }); return json(200, control.mailboxRequestLimit());
      case 'DELETE /_sim/mailbox-limit': control.setMailboxRequestLimit(null); return json(200, control.mailboxRequestLimit());
      case 'GET /_sim/clock': return json(200, { offsetMs: control.clockOffset(), now: core.clock.iso() });
      case 'PUT /_sim/clock': control.setClockOffset(Number(b.offsetMs ?? 0)); return json(200, { offsetMs: control.clockOffset(), now: core.clock.iso() });
      case 'PUT /_sim/replication-lag': control.setReplicationLag(Number(b.ms ?? b.replicationLagMs ?? 0)); return json(200, { replicationLagMs: core.state.replicationLagMs });
      case 'GET /_sim/counts': return json(200, control.counts());
      case 'POST /_sim/users': return json(201, control.addUser(b as Partial<UserDefinition> & { userPrincipalName: string }));
      case 'POST /_sim/devices': return json(201, control.addDevice(b as Partial<DeviceDefinition> & { displayName: string }));
      case 'POST /_sim/managed-devices': return json(201, control.addManagedDevice(b as Partial<ManagedDeviceDefinition> & { azureADDeviceId: string }));
      case 'PATCH /_sim/tap-policy': return json(200, control.setTapPolicy(b as Partial<TapPolicyDefinition>));
    }
    const members = /^(GET|POST) \/_sim\/groups\/([^/]+)\/members$/.exec(route);
    if (members) {
      const groupId = decodeURIComponent(members[2] as string);
      if (members[1] === 'POST') control.addGroupMember(groupId, String(b.objectId));
      return json(200, control.groupMembers(groupId));
    }
    const use = /^POST \/_sim\/taps\/([^/]+)\/use$/.exec(route);
    if (use) {
      const tap = control.useTap(decodeURIComponent(use[1] as string));
      return tap ? json(200, tap) : json(404, { error: 'no current TAP for that user' });
    }
    return json(404, { error: `no control route ${route}` });
  } catch (err) {
    return json(400, { error: err instanceof Error ? err.message : String(err) });
  }
}
