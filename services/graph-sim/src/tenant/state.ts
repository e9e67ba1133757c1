import type {
  AppDefinition,
  ConfigurationPolicyDefinition,
  DeviceDefinition,
  DomainDefinition,
  GroupDefinition,
  ManagedDeviceDefinition,
  TapPolicyDefinition,
  TenantDefinition,
  UserDefinition,
} from './types';
import type { SimClock } from '../clock';

/** One membership; kept a while after removal so that policy evaluation can lag behind it. */
export interface Membership {
  objectId: string;
  addedAt: number;
  removedAt?: number;
}

export interface GroupRecord {
  def: Omit<GroupDefinition, 'members'>;
  /** Current direct members. */
  members: Map<string, Membership>;
  /** Removed members still inside the replication lag window. */
  departed: Membership[];
  /** Direct members that are groups (followed transitively). */
  nested: Set<string>;
}

export interface TapRecord {
  id: string;
  userId: string;
  userPrincipalName: string;
  passcode: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  current: boolean;
  deletedAt?: string;
  replacedAt?: string;
  usedAt?: string;
}

export interface MailRecord {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  contentType: string;
  content: string;
  saveToSentItems: boolean;
  sentAt: string;
  requestId: string;
}

export interface NotificationRecord {
  id: string;
  userId: string;
  userPrincipalName: string;
  activityType: string;
  topic: unknown;
  previewText: string | null;
  templateParameters: unknown;
  sentAt: string;
  requestId: string;
}

export interface SyncRecord {
  managedDeviceId: string;
  azureADDeviceId: string;
  at: string;
  requestId: string;
}

const clone = <T>(v: T): T => structuredClone(v);

/** The tenant as it is now, in memory. Built from a TenantDefinition; reset = build again. */
export class TenantState {
  readonly tenantId: string;
  readonly users = new Map<string, UserDefinition>();
  readonly upnIndex = new Map<string, string>();
  readonly groups = new Map<string, GroupRecord>();
  readonly devices = new Map<string, DeviceDefinition>();
  readonly managedDevices = new Map<string, ManagedDeviceDefinition>();
  /**
   * Lower-cased deviceId → device object id, and azureADDeviceId → managed device id: the
   * `$filter=… eq` lookups every onboarding makes, which a scan made slower as the tenant grew
   * (a 10,000-user benchmark tenant served 28 % fewer requests a second than a 1,000-user one).
   * An entry may outlive its object (deletes go straight to the maps): lookups check the object.
   */
  readonly #deviceIdIndex = new Map<string, string>();
  readonly #managedByDeviceId = new Map<string, string>();
  /** Lower-cased azureADDeviceIds of the Intune managed devices: a device's isManaged. */
  readonly enrolledDeviceIds = new Set<string>();
  readonly apps = new Map<string, AppDefinition>();
  readonly domains = new Map<string, DomainDefinition>();
  readonly configurationPolicies = new Map<string, ConfigurationPolicyDefinition>();
  tapPolicy: TapPolicyDefinition;
  readonly taps: TapRecord[] = [];
  /** The one current pass per user (Graph keeps one). */
  readonly currentTaps = new Map<string, TapRecord>();
  readonly mails: MailRecord[] = [];
  readonly notifications: NotificationRecord[] = [];
  readonly syncs: SyncRecord[] = [];

  constructor(
    readonly def: TenantDefinition,
    readonly clock: SimClock,
    public replicationLagMs: number,
  ) {
    const d = clone(def);
    this.tenantId = d.tenantId;
    for (const u of d.users) this.putUser(u);
    for (const g of d.groups) {
      const { members, ...rest } = g;
      this.groups.set(g.id, { def: rest, members: new Map(), departed: [], nested: new Set() });
    }
    // Members from the tenant file are old news: visible to policy evaluation at once.
    for (const g of d.groups) for (const m of g.members) this.addMember(g.id, m, 0);
    for (const dev of d.devices) this.putDevice(dev);
    for (const m of d.managedDevices) this.putManagedDevice(m);
    for (const a of d.apps) this.apps.set(a.appId, a);
    for (const dom of d.domains) this.domains.set(dom.id.toLowerCase(), dom);
    for (const p of d.configurationPolicies) this.configurationPolicies.set(p.id, p);
    this.tapPolicy = d.tapPolicy;
  }

  putUser(u: UserDefinition): void {
    this.users.set(u.id, u);
    this.upnIndex.set(u.userPrincipalName.toLowerCase(), u.id);
  }

  /** By object id or userPrincipalName, as Graph's /users/{id | userPrincipalName}. */
  putManagedDevice(m: ManagedDeviceDefinition): void {
    this.managedDevices.set(m.id, m);
    this.enrolledDeviceIds.add(m.azureADDeviceId.toLowerCase());
    this.#managedByDeviceId.set(m.azureADDeviceId.toLowerCase(), m.id);
  }

  putDevice(dev: DeviceDefinition): void {
    this.devices.set(dev.id, dev);
    this.#deviceIdIndex.set(dev.deviceId.toLowerCase(), dev.id);
  }

  /** The device with this deviceId (case-insensitive, as Graph's eq on a GUID string). */
  findDeviceByDeviceId(deviceId: string): DeviceDefinition | undefined {
    const d = this.devices.get(this.#deviceIdIndex.get(deviceId.toLowerCase()) ?? '');
    return d && d.deviceId.toLowerCase() === deviceId.toLowerCase() ? d : undefined;
  }

  /** The Intune managed device of this Entra deviceId (case-insensitive). */
  findManagedDeviceByDeviceId(azureAdDeviceId: string): ManagedDeviceDefinition | undefined {
    const m = this.managedDevices.get(this.#managedByDeviceId.get(azureAdDeviceId.toLowerCase()) ?? '');
    return m && m.azureADDeviceId.toLowerCase() === azureAdDeviceId.toLowerCase() ? m : undefined;
  }

  findUser(idOrUpn: string): UserDefinition | undefined {
    return this.users.get(idOrUpn) ?? this.users.get(this.upnIndex.get(idOrUpn.toLowerCase()) ?? '');
  }

  objectType(id: string): 'user' | 'group' | 'device' | undefined {
    if (this.users.has(id)) return 'user';
    if (this.groups.has(id)) return 'group';
    if (this.devices.has(id)) return 'device';
    return undefined;
  }

  /** Current direct members (what Graph reads return: no lag). */
  directMembers(groupId: string): string[] {
    return [...(this.groups.get(groupId)?.members.keys() ?? [])];
  }

  isDirectMember(groupId: string, objectId: string): boolean {
    return this.groups.get(groupId)?.members.has(objectId) ?? false;
  }

  addMember(groupId: string, objectId: string, at = this.clock.now()): void {
    const g = this.groups.get(groupId);
    if (!g || g.members.has(objectId)) return;
    g.members.set(objectId, { objectId, addedAt: at });
    if (this.groups.has(objectId)) g.nested.add(objectId);
  }

  removeMember(groupId: string, objectId: string, at = this.clock.now()): void {
    const g = this.groups.get(groupId);
    const m = g?.members.get(objectId);
    if (!g || !m) return;
    g.members.delete(objectId);
    g.nested.delete(objectId);
    m.removedAt = at;
    g.departed = g.departed.filter((d) => (d.removedAt as number) + this.replicationLagMs > at);
    if (this.replicationLagMs > 0) g.departed.push(m);
  }

  /**
   * Transitive membership. With `lagged`, as TAP policy evaluation sees it: a change counts only
   * replicationLagMs after it was made (an addition appears late, a removal disappears late).
   */
  isMemberOf(groupId: string, objectId: string, lagged = false, seen = new Set<string>()): boolean {
    const g = this.groups.get(groupId);
    if (!g || seen.has(groupId)) return false;
    seen.add(groupId);
    const now = this.clock.now();
    const lag = lagged ? this.replicationLagMs : 0;
    const m = g.members.get(objectId);
    if (m && m.addedAt + lag <= now) return true;
    if (lag > 0 && g.departed.some((d) => d.objectId === objectId && d.addedAt + lag <= now && (d.removedAt as number) + lag > now)) return true;
    for (const inner of g.nested) {
      const link = g.members.get(inner);
      if (link && link.addedAt + lag <= now && this.isMemberOf(inner, objectId, lagged, seen)) return true;
    }
    return false;
  }

  /** The whole tenant as a TenantDefinition (current state). */
  snapshot(): TenantDefinition {
    return clone({
      ...this.def,
      users: [...this.users.values()],
      groups: [...this.groups.values()].map((g) => ({ ...g.def, members: this.directMembers(g.def.id) })),
      devices: [...this.devices.values()],
      managedDevices: [...this.managedDevices.values()],
      apps: [...this.apps.values()],
      domains: [...this.domains.values()],
      tapPolicy: this.tapPolicy,
      configurationPolicies: [...this.configurationPolicies.values()],
    });
  }
}
