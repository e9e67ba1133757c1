import { notFound } from '../graph/errors';
import { matchesFilter, parseFilter, parseSelect, parseTop, project } from '../graph/query';
import { compile, context, ok, type Route, type RouteContext } from '../graph/route';
import type { DeviceDefinition } from '../tenant/types';
import { P } from './permissions';

const DEVICE_PROPS = [
  'id', 'deletedDateTime', 'accountEnabled', 'approximateLastSignInDateTime', 'complianceExpirationDateTime',
  'createdDateTime', 'deviceCategory', 'deviceId', 'deviceMetadata', 'deviceOwnership', 'deviceVersion',
  'displayName', 'enrollmentProfileName', 'enrollmentType', 'isCompliant', 'isManaged', 'manufacturer',
  'mdmAppId', 'model', 'onPremisesLastSyncDateTime', 'onPremisesSyncEnabled', 'operatingSystem',
  'operatingSystemVersion', 'physicalIds', 'profileType', 'registrationDateTime', 'systemLabels', 'trustType',
] as const;

/**
 * Intune sets isManaged on the Entra device at enrolment, so a device with an Intune managed
 * device is managed whatever the tenant file says; otherwise the file decides (another MDM),
 * false when it is silent.
 */
export function deviceEntity(d: DeviceDefinition, state: { enrolledDeviceIds: ReadonlySet<string> }): Record<string, unknown> {
  const enrolled = state.enrolledDeviceIds.has(d.deviceId.toLowerCase());
  const isManaged = enrolled || d.isManaged === true ? true : d.isManaged === null ? null : false;
  return {
    ...d,
    isManaged,
    registeredOwnerId: undefined,
    physicalIds: [],
    systemLabels: [],
    profileType: d.trustType === 'Workplace' ? 'RegisteredDevice' : null,
    onPremisesSyncEnabled: d.trustType === 'ServerAd' ? true : null,
    deviceOwnership: d.trustType === 'Workplace' ? 'Personal' : 'Company',
    mdmAppId: isManaged ? '0000000a-0000-0000-c000-000000000000' : null,
  };
}

function respond(ctx: RouteContext, d: DeviceDefinition) {
  const select = parseSelect(ctx.req.query, DEVICE_PROPS, 'microsoft.graph.device');
  return ok({ '@odata.context': context(ctx, 'devices/$entity'), ...project(deviceEntity(d, ctx.state), select, DEVICE_PROPS, DEVICE_PROPS) });
}

export const deviceRoutes: Route[] = [
  compile({
    method: 'GET',
    path: '/devices',
    op: 'devices.list',
    permissions: P.deviceRead,
    cost: 2,
    handle(ctx) {
      const filter = parseFilter(ctx.req.query, ['deviceId', 'displayName', 'id', 'accountEnabled', 'operatingSystem', 'trustType'], 'Device');
      const select = parseSelect(ctx.req.query, DEVICE_PROPS, 'microsoft.graph.device');
      const top = parseTop(ctx.req.query) ?? 100;
      // Filter the stored definitions first (every filterable property is stored as is), so a
      // lookup in a large benchmark tenant does not build an entity per device per request; a
      // deviceId clause narrows to its one device through the index instead of a scan.
      const byId = filter?.find((c) => c.property === 'deviceId' && typeof c.value === 'string');
      const candidates = byId ? [ctx.state.findDeviceByDeviceId(byId.value as string)].filter((d) => d !== undefined) : [...ctx.state.devices.values()];
      const value = candidates
        .filter((d) => matchesFilter(d as unknown as Record<string, unknown>, filter))
        .slice(0, top)
        .map((d) => deviceEntity(d, ctx.state))
        .map((d) => project(d, select, DEVICE_PROPS, DEVICE_PROPS));
      return ok({ '@odata.context': context(ctx, 'devices'), value });
    },
  }),
  compile({
    method: 'GET',
    path: '/devices/:id',
    op: 'devices.get',
    permissions: P.deviceRead,
    handle(ctx) {
      const raw = ctx.params.id as string;
      const d = ctx.state.devices.get(raw);
      if (!d) throw notFound(raw);
      return respond(ctx, d);
    },
  }),
  compile({
    method: 'GET',
    path: "/devices(deviceId=':deviceKey')",
    // Alternate key: /devices(deviceId='{deviceId}')
    op: 'devices.get',
    permissions: P.deviceRead,
    patterns: { "devices(deviceId=':deviceKey')": /^devices\(deviceId='(.+)'\)$/i },
    handle(ctx) {
      const key = (ctx.params["devices(deviceId=':deviceKey')"] as string).toLowerCase();
      const d = ctx.state.findDeviceByDeviceId(key);
      if (!d) throw notFound(key);
      return respond(ctx, d);
    },
  }),
];
