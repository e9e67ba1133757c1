import { ClientSecretCredential, type AccessToken, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { AuthenticationHandler, Client, GraphClientError } from '@microsoft/microsoft-graph-client';
import type {
  AssignedPlan,
  Device,
  TemporaryAccessPassAuthenticationMethod,
  TemporaryAccessPassAuthenticationMethodConfiguration,
  User,
} from '@microsoft/microsoft-graph-types';
import type { WorkflowError } from '../errors';
import { CallMiddleware, RequestIdCapture } from './call-middleware';
import { CachedTokenCredential, CredentialTokenProvider } from './token-cache';
import { BatchingMessageHandler, GRAPH_BATCH_LIMIT, MAY_BATCH } from './batching-handler';
import { UndiciMessageHandler } from './undici-transport';
import {
  ENTRA_ID_P1_SERVICE_PLAN_ID,
  type ConfigurationPolicySummary,
  type ConfigurationSetting,
  type CreateTapRequest,
  type DirectoryDevice,
  type DirectoryGroup,
  type FederationConfiguration,
  type ManagedDevice,
  type NewConfigurationPolicy,
  type PolicyAssignment,
  type TenantDomain,
  type TenantGateway,
  type UserWithManager,
  type DirectoryUser,
  type GraphGateway,
  type IssuedTap,
  type MailMessage,
  type TapMethod,
  type TapPolicy,
  type WriteResult,
} from './graph.port';
import { rolesFromAccessToken } from '../readiness/token-roles';
import { classifyGraphFailure, classifyTokenFailure, isAlreadyMemberError, toGraphFailure, type GraphFailure } from './graph-errors';

export interface MsGraphGatewayOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com, or the simulator's URL. */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com, or the simulator's URL (no version). */
  graphBaseUrl: string;
  logger?: { debug(obj: object, msg: string): void };
  /** Bound on one Graph call, token excluded. */
  timeoutMs?: number;
  /** Told about every call once it ends (for metrics); must not throw. */
  onCall?: GraphCallObserver;
  /**
   * Most calls made at the same moment that go to Graph in one `$batch` (batching-handler.ts);
   * 1 sends each call on its own. Default 20, Graph's limit.
   */
  batchMaxRequests?: number;
  /** Told about every `$batch` sent, with its size; must not throw. */
  onBatch?: (size: number) => void;
}

/**
 * One finished gateway call. `operation` is the adapter's fixed name for the call (`get user`,
 * `create TAP`, …), never a path or an id; `status` is Graph's HTTP status, null when no answer
 * came (timeout, network, token failure).
 */
export interface GraphCallEvent {
  operation: string;
  status: number | null;
  durationMs: number;
}
export type GraphCallObserver = (event: GraphCallEvent) => void;

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const USER_SELECT = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,assignedPlans';
/** The manager in the same answer as the user (`GET /users/{id}?$expand=manager(...)`): one call, not two. */
const MANAGER_EXPAND = 'manager($select=id,userPrincipalName,displayName,mail)';
const DEVICE_SELECT = 'id,deviceId,displayName,trustType,operatingSystem,operatingSystemVersion,accountEnabled,isManaged';
const TAP_POLICY_PATH = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

/** Carries a sorted token failure through the SDK, which rethrows GraphClientErrors untouched. */
class TokenFailure extends GraphClientError {
  constructor(readonly failure: WorkflowError) {
    super(failure.message);
    Object.setPrototypeOf(this, TokenFailure.prototype);
  }
}

/** Wraps the credential so a token failure is sorted where its details are still at hand. */
class ClassifyingCredential implements TokenCredential {
  constructor(private readonly inner: TokenCredential) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    let token: AccessToken | null;
    try {
      token = await this.inner.getToken(scopes, options);
    } catch (err) {
      throw new TokenFailure(classifyTokenFailure(err));
    }
    if (!token) throw new TokenFailure(classifyTokenFailure(new Error('the authority returned no access token')));
    return token;
  }
}

export function createMsGraphGateway(opts: MsGraphGatewayOptions): GraphGateway & TenantGateway {
  const authorityHost = opts.authorityHost.replace(/\/+$/, '');
  const isMicrosoftAuthority = new URL(authorityHost).hostname.toLowerCase() === 'login.microsoftonline.com';
  const credential = new CachedTokenCredential(
    new ClassifyingCredential(
      new ClientSecretCredential(opts.tenantId, opts.clientId, opts.clientSecret, {
        authorityHost,
        // Instance discovery asks Microsoft's cloud about the authority: meaningless for a simulator.
        disableInstanceDiscovery: !isMicrosoftAuthority,
      }),
    ),
  );
  const authProvider = new CredentialTokenProvider(credential, [GRAPH_SCOPE]);
  const auth = new AuthenticationHandler(authProvider);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const call = new CallMiddleware(timeoutMs, (e) => opts.logger?.debug(e, 'graph call'));
  // In place of the SDK's HTTPMessageHandler (global fetch): the same request, for less CPU.
  const http = new UndiciMessageHandler();
  // Calls that concurrent jobs make at one moment share a $batch; each still gets its own answer.
  const batching = new BatchingMessageHandler(http, { maxRequests: opts.batchMaxRequests ?? GRAPH_BATCH_LIMIT, timeoutMs, onBatch: opts.onBatch });
  // No RetryHandler in the chain: BullMQ's attempts are the one retry layer (RETRY_POLICY in
  // jobs/job-catalog.ts); the SDK's retries inside them would multiply the delay unseen.
  auth.setNext(call);
  call.setNext(batching);
  const baseUrl = opts.graphBaseUrl.replace(/\/+$/, '') + '/';
  const client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl,
    defaultVersion: 'v1.0',
    // The token is attached only to Graph's own hosts and these bare host names.
    customHosts: new Set([new URL(baseUrl).hostname]),
  });
  return new MsGraphGateway(client, opts.onCall, credential);
}

type Failure = { failure: GraphFailure; error: WorkflowError };

class MsGraphGateway implements GraphGateway, TenantGateway {
  constructor(
    private readonly client: Client,
    private readonly onCall?: GraphCallObserver,
    /** Only for reading our own token's roles (tenant readiness); the SDK gets tokens itself. */
    private readonly credential?: TokenCredential,
  ) {}

  /** Runs one call; a failure is returned sorted, with its raw facts for the few special cases. */
  async #run<T>(what: string, fn: (capture: RequestIdCapture) => Promise<T>): Promise<{ ok: T; requestId?: string } | Failure> {
    const capture = new RequestIdCapture();
    const started = performance.now();
    const observe = (status: number | null | undefined) => this.onCall?.({ operation: what, status: status ?? null, durationMs: performance.now() - started });
    try {
      const ok = await fn(capture);
      observe(capture.status);
      return { ok, requestId: capture.requestId };
    } catch (err) {
      if (err instanceof TokenFailure) {
        observe(null);
        return { failure: { message: err.message }, error: err.failure };
      }
      const failure = toGraphFailure(err);
      failure.requestId ??= capture.requestId;
      observe(failure.status ?? capture.status);
      return { failure, error: classifyGraphFailure(failure, what) };
    }
  }

  #req(path: string, capture: RequestIdCapture) {
    return this.client.api(path).middlewareOptions([capture]);
  }

  /** A call that may share a `$batch` with calls other jobs make at the same moment (batching-handler.ts). */
  #batchable(path: string, capture: RequestIdCapture) {
    return this.client.api(path).middlewareOptions([capture, MAY_BATCH]);
  }

  async getUser(idOrUpn: string): Promise<DirectoryUser | null> {
    const r = await this.#run('get user', (c) => this.#batchable(`/users/${encodeURIComponent(idOrUpn)}`, c).select(USER_SELECT).get() as Promise<User>);
    if ('error' in r) {
      if (r.failure.status === 404) return null;
      throw r.error;
    }
    return toDirectoryUser(r.ok);
  }

  async getUserWithManager(idOrUpn: string): Promise<UserWithManager | null> {
    const r = await this.#run('get user', (c) =>
      this.#batchable(`/users/${encodeURIComponent(idOrUpn)}`, c).select(USER_SELECT).expand(MANAGER_EXPAND).get() as Promise<User & { manager?: User | null }>,
    );
    if ('error' in r) {
      if (r.failure.status === 404) return null;
      throw r.error;
    }
    // No manager set: Graph leaves the property out.
    const m = r.ok.manager;
    return { user: toDirectoryUser(r.ok), manager: m?.id ? toDirectoryUser(m) : null };
  }

  async getManager(userId: string): Promise<DirectoryUser | null> {
    const r = await this.#run('get manager', (c) => this.#batchable(`/users/${encodeURIComponent(userId)}/manager`, c).select(USER_SELECT).get() as Promise<User>);
    if ('error' in r) {
      if (r.failure.status === 404) return null;
      throw r.error;
    }
    return toDirectoryUser(r.ok);
  }

  async findDeviceByDeviceId(deviceId: string): Promise<DirectoryDevice | null> {
    // The filter value is a GUID (validated at the webhook); quotes are doubled per OData anyway.
    const filter = `deviceId eq '${deviceId.replace(/'/g, "''")}'`;
    const r = await this.#run('find device', (c) => this.#batchable('/devices', c).filter(filter).select(DEVICE_SELECT).get() as Promise<{ value: Device[] }>);
    if ('error' in r) throw r.error;
    const d = r.ok.value[0];
    if (!d?.id) return null;
    return {
      id: d.id,
      deviceId: d.deviceId ?? deviceId,
      ...(d.displayName ? { displayName: d.displayName } : {}),
      trustType: d.trustType ?? null,
      operatingSystem: d.operatingSystem ?? null,
      operatingSystemVersion: d.operatingSystemVersion ?? null,
      accountEnabled: d.accountEnabled ?? true,
      isManaged: typeof d.isManaged === 'boolean' ? d.isManaged : null,
    };
  }

  async checkMemberGroups(objectId: string, groupIds: string[]): Promise<string[]> {
    const r = await this.#run('check group membership', (c) =>
      this.#batchable(`/directoryObjects/${encodeURIComponent(objectId)}/checkMemberGroups`, c).post({ groupIds }) as Promise<{ value: string[] }>,
    );
    if ('error' in r) throw r.error;
    const wanted = new Set(groupIds.map((g) => g.toLowerCase()));
    return r.ok.value.filter((g) => wanted.has(g.toLowerCase()));
  }

  async addGroupMember(groupId: string, objectId: string): Promise<WriteResult<'added' | 'already-member'>> {
    const body = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${objectId}` };
    const r = await this.#run('add group member', (c) => this.#batchable(`/groups/${encodeURIComponent(groupId)}/members/$ref`, c).post(body));
    if ('error' in r) {
      if (isAlreadyMemberError(r.failure)) return withRequestId('already-member', r.failure.requestId);
      throw r.error;
    }
    return withRequestId('added', r.requestId);
  }

  async removeGroupMember(groupId: string, objectId: string): Promise<WriteResult<'removed' | 'not-member'>> {
    // With /$ref: without it, Graph deletes the object itself (graph.md "Groups").
    const path = `/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(objectId)}/$ref`;
    const r = await this.#run('remove group member', (c) => this.#batchable(path, c).delete());
    if ('error' in r) {
      if (r.failure.status === 404) return withRequestId('not-member', r.failure.requestId);
      throw r.error;
    }
    return withRequestId('removed', r.requestId);
  }

  async getTapPolicy(): Promise<TapPolicy> {
    const r = await this.#run('read TAP policy', (c) => this.#batchable(TAP_POLICY_PATH, c).get() as Promise<TemporaryAccessPassAuthenticationMethodConfiguration>);
    if ('error' in r) throw r.error;
    const p = r.ok;
    return {
      state: p.state === 'enabled' ? 'enabled' : 'disabled',
      defaultLifetimeInMinutes: p.defaultLifetimeInMinutes ?? 60,
      minimumLifetimeInMinutes: p.minimumLifetimeInMinutes ?? 60,
      maximumLifetimeInMinutes: p.maximumLifetimeInMinutes ?? 480,
      isUsableOnce: p.isUsableOnce ?? false,
      defaultLength: p.defaultLength ?? 8,
      includeTargets: (p.includeTargets ?? []).map((t) => ({ targetType: String(t.targetType ?? 'group'), id: String(t.id ?? '') })),
      excludeTargets: (p.excludeTargets ?? []).map((t) => ({ targetType: String(t.targetType ?? 'group'), id: String(t.id ?? '') })),
    };
  }

  async listTemporaryAccessPasses(userId: string): Promise<TapMethod[]> {
    const r = await this.#run('list TAPs', (c) =>
      this.#batchable(`/users/${encodeURIComponent(userId)}/authentication/temporaryAccessPassMethods`, c).get() as Promise<{ value: TemporaryAccessPassAuthenticationMethod[] }>,
    );
    if ('error' in r) throw r.error;
    return r.ok.value.map(toTapMethod);
  }

  async createTemporaryAccessPass(userId: string, req: CreateTapRequest): Promise<IssuedTap> {
    const body = { ...(req.startDateTime ? { startDateTime: req.startDateTime } : {}), lifetimeInMinutes: req.lifetimeInMinutes, isUsableOnce: req.isUsableOnce };
    const r = await this.#run('create TAP', (c) =>
      this.#batchable(`/users/${encodeURIComponent(userId)}/authentication/temporaryAccessPassMethods`, c).post(body) as Promise<TemporaryAccessPassAuthenticationMethod>,
    );
    if ('error' in r) throw r.error;
    const passcode = r.ok.temporaryAccessPass;
    if (!passcode) {
      // Should never happen: the create answer is the only one that holds it (graph.md).
      throw classifyGraphFailure({ status: 502, message: 'TAP created but the answer holds no passcode', requestId: r.requestId }, 'create TAP');
    }
    return { ...toTapMethod(r.ok), temporaryAccessPass: passcode, ...(r.requestId ? { requestId: r.requestId } : {}) };
  }

  async deleteTemporaryAccessPass(userId: string, methodId: string): Promise<WriteResult<'deleted' | 'not-found'>> {
    const path = `/users/${encodeURIComponent(userId)}/authentication/temporaryAccessPassMethods/${encodeURIComponent(methodId)}`;
    const r = await this.#run('delete TAP', (c) => this.#batchable(path, c).delete());
    if ('error' in r) {
      if (r.failure.status === 404) return withRequestId('not-found', r.failure.requestId);
      throw r.error;
    }
    return withRequestId('deleted', r.requestId);
  }

  async sendMail(senderUpn: string, message: MailMessage): Promise<WriteResult<'sent'>> {
    const body = {
      message: {
        subject: message.subject,
        body: { contentType: 'HTML', content: message.html },
        toRecipients: [{ emailAddress: { address: message.to } }],
      },
      saveToSentItems: false,
    };
    const r = await this.#run('send mail', (c) => this.#req(`/users/${encodeURIComponent(senderUpn)}/sendMail`, c).post(body));
    if ('error' in r) throw r.error;
    return withRequestId('sent', r.requestId);
  }
  // --- Tenant readiness (issue 9): device sync for the workflow; reads and writes for doctor and bootstrap ---

  async findManagedDevice(azureAdDeviceId: string): Promise<ManagedDevice | null> {
    const filter = `azureADDeviceId eq '${azureAdDeviceId.replace(/'/g, "''")}'`;
    const r = await this.#run('find managed device', (c) =>
      this.#batchable('/deviceManagement/managedDevices', c).filter(filter).select('id,azureADDeviceId,deviceName,lastSyncDateTime').get() as Promise<{ value: RawManagedDevice[] }>,
    );
    if ('error' in r) throw r.error;
    const m = r.ok.value[0];
    if (!m?.id) return null;
    return {
      id: m.id,
      azureADDeviceId: m.azureADDeviceId ?? azureAdDeviceId,
      ...(m.deviceName ? { deviceName: m.deviceName } : {}),
      ...(m.lastSyncDateTime ? { lastSyncDateTime: m.lastSyncDateTime } : {}),
    };
  }

  async syncManagedDevice(managedDeviceId: string): Promise<WriteResult<'synced' | 'not-found'>> {
    const path = `/deviceManagement/managedDevices/${encodeURIComponent(managedDeviceId)}/syncDevice`;
    const r = await this.#run('sync managed device', (c) => this.#batchable(path, c).post(undefined));
    if ('error' in r) {
      if (r.failure.status === 404) return withRequestId('not-found', r.failure.requestId);
      throw r.error;
    }
    return withRequestId('synced', r.requestId);
  }

  async getGroup(groupId: string): Promise<DirectoryGroup | null> {
    const r = await this.#run('get group', (c) =>
      this.#req(`/groups/${encodeURIComponent(groupId)}`, c).select('id,displayName,groupTypes,membershipRule').get() as Promise<RawGroup>,
    );
    if ('error' in r) {
      if (r.failure.status === 404) return null;
      throw r.error;
    }
    return { id: r.ok.id ?? groupId, displayName: r.ok.displayName ?? '', groupTypes: r.ok.groupTypes ?? [], membershipRule: r.ok.membershipRule ?? null };
  }

  /** Settings catalog is beta-only (graph.md "Intune"); follows @odata.nextLink, as real tenants page. */
  async listConfigurationPolicies(): Promise<ConfigurationPolicySummary[]> {
    const out: ConfigurationPolicySummary[] = [];
    let next: string | undefined = '/deviceManagement/configurationPolicies';
    for (let page = 0; next && page < 50; page++) {
      const path: string = next;
      const r = await this.#run('list configuration policies', (c) =>
        (page === 0 ? this.#req(path, c).version('beta').select('id,name,platforms,technologies') : this.#req(path, c)).get() as Promise<{ value: RawPolicy[]; '@odata.nextLink'?: string }>,
      );
      if ('error' in r) throw r.error;
      for (const p of r.ok.value) {
        if (p.id) out.push({ id: p.id, name: p.name ?? '', platforms: p.platforms ?? '', technologies: p.technologies ?? '' });
      }
      next = r.ok['@odata.nextLink'];
    }
    return out;
  }

  async getConfigurationPolicySettings(policyId: string): Promise<ConfigurationSetting[]> {
    const r = await this.#run('read configuration policy settings', (c) =>
      this.#req(`/deviceManagement/configurationPolicies/${encodeURIComponent(policyId)}/settings`, c).version('beta').get() as Promise<{ value: { settingInstance?: RawSettingInstance }[] }>,
    );
    if ('error' in r) throw r.error;
    return r.ok.value.flatMap((s) => (s.settingInstance ? [toSetting(s.settingInstance)] : []));
  }

  async getConfigurationPolicyAssignments(policyId: string): Promise<PolicyAssignment[]> {
    const r = await this.#run('read configuration policy assignments', (c) =>
      this.#req(`/deviceManagement/configurationPolicies/${encodeURIComponent(policyId)}/assignments`, c).version('beta').get() as Promise<{ value: PolicyAssignment[] }>,
    );
    if ('error' in r) throw r.error;
    return r.ok.value.map((a) => ({ ...(a.id ? { id: a.id } : {}), target: a.target }));
  }

  async createConfigurationPolicy(policy: NewConfigurationPolicy): Promise<{ id: string; requestId?: string }> {
    const body = { ...policy, roleScopeTagIds: ['0'] };
    const r = await this.#run('create configuration policy', (c) => this.#req('/deviceManagement/configurationPolicies', c).version('beta').post(body) as Promise<RawPolicy>);
    if ('error' in r) throw r.error;
    if (!r.ok.id) throw classifyGraphFailure({ status: 502, message: 'policy created but the answer holds no id', requestId: r.requestId }, 'create configuration policy');
    return { id: r.ok.id, ...(r.requestId ? { requestId: r.requestId } : {}) };
  }

  async assignConfigurationPolicy(policyId: string, assignments: PolicyAssignment[]): Promise<WriteResult<'assigned'>> {
    // Only the targets: Graph gives assignments their ids itself.
    const body = { assignments: assignments.map((a) => ({ target: a.target })) };
    const path = `/deviceManagement/configurationPolicies/${encodeURIComponent(policyId)}/assign`;
    const r = await this.#run('assign configuration policy', (c) => this.#req(path, c).version('beta').post(body));
    if ('error' in r) throw r.error;
    return withRequestId('assigned', r.requestId);
  }

  async listDomains(): Promise<TenantDomain[]> {
    const r = await this.#run('list domains', (c) => this.#req('/domains', c).get() as Promise<{ value: RawDomain[] }>);
    if ('error' in r) throw r.error;
    return r.ok.value.flatMap((d) => (d.id ? [{ id: d.id, authenticationType: d.authenticationType ?? 'Managed', isVerified: d.isVerified ?? false }] : []));
  }

  async getFederationConfiguration(domain: string): Promise<FederationConfiguration[] | null> {
    const r = await this.#run('read domain federation', (c) =>
      this.#req(`/domains/${encodeURIComponent(domain)}/federationConfiguration`, c).get() as Promise<{ value: { id?: string; federatedIdpMfaBehavior?: string | null }[] }>,
    );
    if ('error' in r) {
      if (r.failure.status === 404) return null;
      throw r.error;
    }
    return r.ok.value.map((f) => ({ id: f.id ?? '', federatedIdpMfaBehavior: f.federatedIdpMfaBehavior ?? null }));
  }

  async getGrantedRoles(): Promise<string[]> {
    if (!this.credential) throw new Error('this gateway was built without a credential');
    const token = await this.credential.getToken(GRAPH_SCOPE).catch((err: unknown) => {
      throw err instanceof TokenFailure ? err.failure : err;
    });
    if (!token) throw classifyTokenFailure(new Error('the authority returned no access token'));
    return rolesFromAccessToken(token.token);
  }

}

function withRequestId<T extends string>(outcome: T, requestId: string | null | undefined): WriteResult<T> {
  return requestId ? { outcome, requestId } : { outcome };
}

function hasP1(plans: AssignedPlan[] | null | undefined): boolean {
  return (plans ?? []).some(
    (p) => p.servicePlanId?.toLowerCase() === ENTRA_ID_P1_SERVICE_PLAN_ID && p.capabilityStatus === 'Enabled',
  );
}

function toDirectoryUser(u: User): DirectoryUser {
  return {
    id: u.id ?? '',
    userPrincipalName: u.userPrincipalName ?? '',
    ...(u.displayName ? { displayName: u.displayName } : {}),
    mail: u.mail ?? null,
    accountEnabled: u.accountEnabled ?? true,
    userType: u.userType ?? 'Member',
    hasEntraIdP1: hasP1(u.assignedPlans),
  };
}

function toTapMethod(t: TemporaryAccessPassAuthenticationMethod): TapMethod {
  return {
    id: t.id ?? '',
    createdDateTime: t.createdDateTime ?? '',
    startDateTime: t.startDateTime ?? t.createdDateTime ?? '',
    lifetimeInMinutes: t.lifetimeInMinutes ?? 0,
    isUsableOnce: t.isUsableOnce ?? false,
    isUsable: t.isUsable ?? false,
    methodUsabilityReason: t.methodUsabilityReason ?? null,
  };
}

// Raw shapes of the readiness answers (beta Intune types are not in @microsoft/microsoft-graph-types v1.0).
interface RawManagedDevice { id?: string; azureADDeviceId?: string; deviceName?: string; lastSyncDateTime?: string }
interface RawGroup { id?: string; displayName?: string; groupTypes?: string[]; membershipRule?: string | null }
interface RawPolicy { id?: string; name?: string; platforms?: string; technologies?: string }
interface RawDomain { id?: string; authenticationType?: string; isVerified?: boolean }
interface RawSettingInstance {
  settingDefinitionId?: string;
  choiceSettingValue?: { value?: string; children?: RawSettingInstance[] } | null;
}

function toSetting(i: RawSettingInstance): ConfigurationSetting {
  return {
    settingDefinitionId: i.settingDefinitionId ?? '',
    ...(i.choiceSettingValue?.value ? { choiceValue: i.choiceSettingValue.value } : {}),
    children: (i.choiceSettingValue?.children ?? []).map(toSetting),
  };
}
