import { randomUUID } from 'node:crypto';
import { readObject, requireEmpty, type ObjectSpec } from '../graph/body';
import { GraphError } from '../graph/errors';
import { matchesFilter, parseFilter, parseSelect, parseTop, project } from '../graph/query';
import { compile, context, noContent, ok, type Route, type RouteContext } from '../graph/route';
import type { ConfigurationPolicyAssignmentDefinition, ConfigurationPolicyDefinition, ManagedDeviceDefinition } from '../tenant/types';
import { P } from './permissions';

const POLICIES = '/deviceManagement/configurationPolicies';
const POLICY_PROPS = [
  'id', 'name', 'description', 'platforms', 'technologies', 'roleScopeTagIds', 'createdDateTime',
  'lastModifiedDateTime', 'settingCount', 'isAssigned', 'templateReference', 'creationSource', 'priorityMetaData',
] as const;

/** Intune errors are plain OData ones (code 'BadRequest', 'NotFound'), not the directory's. */
const intuneNotFound = (what: string) => new GraphError(404, 'NotFound', `Resource not found: ${what}`);

const TARGET: ObjectSpec = {
  type: 'microsoft.graph.deviceAndAppManagementAssignmentTarget',
  props: { groupId: 'guid', deviceAndAppManagementAssignmentFilterId: 'string', deviceAndAppManagementAssignmentFilterType: 'string', collectionId: 'string' },
  nullable: ['deviceAndAppManagementAssignmentFilterId', 'collectionId'],
};
const TARGET_TYPES = [
  '#microsoft.graph.groupAssignmentTarget',
  '#microsoft.graph.exclusionGroupAssignmentTarget',
  '#microsoft.graph.allDevicesAssignmentTarget',
  '#microsoft.graph.allLicensedUsersAssignmentTarget',
];
const ASSIGN_SPEC: ObjectSpec = {
  type: 'microsoft.graph.deviceManagementConfigurationPolicyAssignRequest',
  props: {
    assignments: {
      arrayOf: {
        object: {
          type: 'microsoft.graph.deviceManagementConfigurationPolicyAssignment',
          props: { id: 'string', source: 'string', sourceId: 'string', target: { object: TARGET } },
          nullable: ['id', 'sourceId'],
          required: ['target'],
        },
      },
    },
  },
  required: ['assignments'],
};
const CREATE_SPEC: ObjectSpec = {
  type: 'microsoft.graph.deviceManagementConfigurationPolicy',
  props: {
    name: 'string', description: 'string', platforms: 'string', technologies: 'string',
    roleScopeTagIds: { arrayOf: 'string' }, templateReference: 'any', settings: { arrayOf: 'any' }, creationSource: 'string',
  },
  nullable: ['description', 'templateReference', 'creationSource'],
  required: ['name', 'platforms', 'technologies'],
};

function requirePolicy(ctx: RouteContext): ConfigurationPolicyDefinition {
  const id = ctx.params.policyId as string;
  const p = ctx.state.configurationPolicies.get(id);
  if (!p) throw intuneNotFound(`deviceManagementConfigurationPolicy '${id}'`);
  return p;
}

function policyEntity(p: ConfigurationPolicyDefinition, withSettings: boolean): Record<string, unknown> {
  const { settings, assignments, ...rest } = p;
  return {
    ...rest,
    settingCount: settings.length,
    isAssigned: assignments.length > 0,
    creationSource: null,
    priorityMetaData: null,
    ...(withSettings ? { settings } : {}),
  };
}

function assignmentsBody(ctx: RouteContext, p: ConfigurationPolicyDefinition) {
  return { '@odata.context': context(ctx, `deviceManagement/configurationPolicies('${p.id}')/assignments`), value: p.assignments };
}

const MANAGED_PROPS = [
  'id', 'azureADDeviceId', 'deviceName', 'operatingSystem', 'osVersion', 'userPrincipalName', 'managedDeviceOwnerType',
  'complianceState', 'managementAgent', 'enrolledDateTime', 'lastSyncDateTime',
] as const;

function requireManaged(ctx: RouteContext): ManagedDeviceDefinition {
  const id = ctx.params.managedDeviceId as string;
  const m = ctx.state.managedDevices.get(id);
  if (!m) throw intuneNotFound(`managedDevice '${id}'`);
  return m;
}

export const intuneRoutes: Route[] = [
  compile({
    method: 'GET', path: POLICIES, op: 'intune.policies.list', permissions: P.intuneConfigRead, versions: ['beta'],
    handle(ctx) {
      const filter = parseFilter(ctx.req.query, ['name', 'platforms', 'technologies', 'id'], 'deviceManagementConfigurationPolicy');
      const select = parseSelect(ctx.req.query, POLICY_PROPS, 'microsoft.graph.deviceManagementConfigurationPolicy');
      const value = [...ctx.state.configurationPolicies.values()]
        .map((p) => policyEntity(p, false))
        .filter((p) => matchesFilter(p, filter))
        .map((p) => project(p, select, POLICY_PROPS, POLICY_PROPS));
      return ok({ '@odata.context': context(ctx, 'deviceManagement/configurationPolicies'), value });
    },
  }),
  compile({
    method: 'GET', path: `${POLICIES}/:policyId`, op: 'intune.policies.get', permissions: P.intuneConfigRead, versions: ['beta'],
    handle(ctx) {
      const p = requirePolicy(ctx);
      const expand = (ctx.req.query.get('$expand') ?? '').toLowerCase().includes('settings');
      return ok({ '@odata.context': context(ctx, 'deviceManagement/configurationPolicies/$entity'), ...policyEntity(p, expand) });
    },
  }),
  compile({
    method: 'GET', path: `${POLICIES}/:policyId/settings`, op: 'intune.policies.settings', permissions: P.intuneConfigRead, versions: ['beta'],
    handle(ctx) {
      const p = requirePolicy(ctx);
      return ok({ '@odata.context': context(ctx, `deviceManagement/configurationPolicies('${p.id}')/settings`), value: p.settings });
    },
  }),
  compile({
    method: 'POST', path: POLICIES, op: 'intune.policies.create', permissions: P.intuneConfigWrite, versions: ['beta'],
    handle(ctx) {
      const body = readObject(ctx.req.body ?? {}, CREATE_SPEC, 'BadRequest');
      const now = ctx.state.clock.iso();
      const settings = ((body.settings as Array<Record<string, unknown>> | undefined) ?? []).map((s, i) => ({ ...s, id: String(i) }));
      const p: ConfigurationPolicyDefinition = {
        id: randomUUID(),
        name: body.name as string,
        description: (body.description as string | null) ?? '',
        platforms: body.platforms as string,
        technologies: body.technologies as string,
        roleScopeTagIds: (body.roleScopeTagIds as string[] | undefined) ?? ['0'],
        createdDateTime: now,
        lastModifiedDateTime: now,
        templateReference: (body.templateReference as Record<string, unknown> | undefined) ?? { templateId: '', templateFamily: 'none' },
        settings,
        assignments: [],
      };
      ctx.state.configurationPolicies.set(p.id, p);
      return ok({ '@odata.context': context(ctx, 'deviceManagement/configurationPolicies/$entity'), ...policyEntity(p, false) }, 201);
    },
  }),
  compile({
    // Replaces the whole assignment set (graph.md, observed): callers must send what they keep.
    method: 'POST', path: `${POLICIES}/:policyId/assign`, op: 'intune.policies.assign', permissions: P.intuneConfigWrite, versions: ['beta'],
    handle(ctx) {
      const p = requirePolicy(ctx);
      const body = readObject(ctx.req.body ?? {}, ASSIGN_SPEC, 'BadRequest');
      const next: ConfigurationPolicyAssignmentDefinition[] = (body.assignments as Array<Record<string, unknown>>).map((a) => {
        const target = a.target as Record<string, unknown>;
        const type = target['@odata.type'];
        if (typeof type !== 'string' || !TARGET_TYPES.includes(type)) {
          throw new GraphError(400, 'BadRequest', `Invalid assignment target type '${String(type)}'.`);
        }
        const groupId = target.groupId as string | undefined;
        if (type.includes('roupAssignmentTarget') && !groupId) throw new GraphError(400, 'BadRequest', 'A group assignment target needs a groupId.');
        return {
          id: `${p.id}_${groupId ?? type.replace('#microsoft.graph.', '')}`,
          source: 'direct',
          sourceId: p.id,
          target: { deviceAndAppManagementAssignmentFilterId: null, deviceAndAppManagementAssignmentFilterType: 'none', ...target, '@odata.type': type },
        };
      });
      p.assignments = next;
      p.lastModifiedDateTime = ctx.state.clock.iso();
      return ok(assignmentsBody(ctx, p));
    },
  }),
  compile({
    method: 'GET', path: `${POLICIES}/:policyId/assignments`, op: 'intune.policies.assignments', permissions: P.intuneConfigRead, versions: ['beta'],
    handle(ctx) {
      return ok(assignmentsBody(ctx, requirePolicy(ctx)));
    },
  }),
  compile({
    method: 'GET', path: '/deviceManagement/managedDevices', op: 'intune.managedDevices.list', permissions: P.managedDeviceRead, cost: 2,
    handle(ctx) {
      const filter = parseFilter(ctx.req.query, ['azureADDeviceId', 'deviceName', 'id', 'userPrincipalName', 'operatingSystem'], 'managedDevice');
      const select = parseSelect(ctx.req.query, MANAGED_PROPS, 'microsoft.graph.managedDevice');
      const top = parseTop(ctx.req.query) ?? 100;
      // An azureADDeviceId clause narrows to its one managed device through the index.
      const byId = filter?.find((c) => c.property === 'azureADDeviceId' && typeof c.value === 'string');
      const candidates = byId
        ? [ctx.state.findManagedDeviceByDeviceId(byId.value as string)].filter((m) => m !== undefined)
        : [...ctx.state.managedDevices.values()];
      const value = candidates
        .map((m) => m as unknown as Record<string, unknown>)
        .filter((m) => matchesFilter(m, filter))
        .slice(0, top)
        .map((m) => project(m, select, MANAGED_PROPS, MANAGED_PROPS));
      return ok({ '@odata.context': context(ctx, 'deviceManagement/managedDevices'), value });
    },
  }),
  compile({
    method: 'GET', path: '/deviceManagement/managedDevices/:managedDeviceId', op: 'intune.managedDevices.get', permissions: P.managedDeviceRead,
    handle(ctx) {
      const m = requireManaged(ctx) as unknown as Record<string, unknown>;
      const select = parseSelect(ctx.req.query, MANAGED_PROPS, 'microsoft.graph.managedDevice');
      return ok({ '@odata.context': context(ctx, 'deviceManagement/managedDevices/$entity'), ...project(m, select, MANAGED_PROPS, MANAGED_PROPS) });
    },
  }),
  compile({
    method: 'POST', path: '/deviceManagement/managedDevices/:managedDeviceId/syncDevice', op: 'intune.managedDevices.sync', permissions: P.managedDeviceSync,
    handle(ctx) {
      const m = requireManaged(ctx);
      requireEmpty(ctx.req.body, 'microsoft.graph.syncDeviceRequest', 'BadRequest');
      ctx.state.syncs.push({ managedDeviceId: m.id, azureADDeviceId: m.azureADDeviceId, at: ctx.state.clock.iso(), requestId: ctx.req.requestId });
      return noContent();
    },
  }),
];

