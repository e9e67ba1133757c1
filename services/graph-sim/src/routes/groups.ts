import { readObject } from '../graph/body';
import { badRequest, denied, notFound } from '../graph/errors';
import { parseSelect, parseTop, project } from '../graph/query';
import { compile, context, noContent, ok, type Route, type RouteContext } from '../graph/route';
import type { GroupRecord } from '../tenant/state';
import { deviceEntity } from './devices';
import { P } from './permissions';
import { userEntity } from './users';

/** The one message that tells "already a member" apart (graph.md, observed). */
export const ALREADY_MEMBER_MESSAGE =
  "One or more added object references already exist for the following modified properties: 'members'.";

const GROUP_PROPS = [
  'id', 'deletedDateTime', 'classification', 'createdDateTime', 'description', 'displayName', 'groupTypes',
  'isAssignableToRole', 'mail', 'mailEnabled', 'mailNickname', 'membershipRule', 'membershipRuleProcessingState',
  'onPremisesSyncEnabled', 'proxyAddresses', 'securityEnabled', 'securityIdentifier', 'visibility',
] as const;

/** https://graph.microsoft.com/v1.0/directoryObjects/{id}, or the typed users/devices/groups forms. */
const ODATA_ID = /^https:\/\/[^/]+\/(?:v1\.0|beta)\/(directoryObjects|users|devices|groups)\/([^/?#]+)$/i;

function requireGroup(ctx: RouteContext): GroupRecord {
  const id = ctx.params.groupId as string;
  const g = ctx.state.groups.get(id);
  if (!g) throw notFound(id);
  return g;
}

/** Entra refuses changes to dynamic groups, and to role-assignable ones without RoleManagement rights. */
function checkWritable(ctx: RouteContext, g: GroupRecord): void {
  if (g.def.groupTypes.some((t) => t.toLowerCase() === 'dynamicmembership')) {
    // Message unverified; the status and code are Entra's usual ones for a refused change.
    throw badRequest('Insufficient privileges to complete the operation. Members of a group with dynamic membership cannot be changed.');
  }
  if (g.def.isAssignableToRole && !P.roleAssignableGroupWrite.some((r) => ctx.req.roles.includes(r))) throw denied();
}

const OBJECT_DELETE = {
  user: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  device: ['Device.ReadWrite.All', 'Directory.ReadWrite.All'],
  group: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
} as const;

/** A device member needs a device write permission besides the group's (P.deviceMemberWrite). */
function checkMemberWrite(ctx: RouteContext, memberId: string): void {
  if (ctx.state.objectType(memberId) === 'device' && !P.deviceMemberWrite.some((p) => ctx.req.roles.includes(p))) throw denied();
}

function parseRef(ctx: RouteContext): string {
  const body = readObject(ctx.req.body ?? {}, { type: 'microsoft.graph.directoryObject', props: {} }, 'Request_BadRequest');
  const ref = body['@odata.id'];
  if (typeof ref !== 'string') throw badRequest('Invalid request body: the @odata.id reference is missing.');
  const m = ODATA_ID.exec(ref);
  if (!m) throw badRequest(`Invalid object identifier '${ref}'.`);
  const kind = (m[1] as string).toLowerCase();
  const id = decodeURIComponent(m[2] as string);
  const type = ctx.state.objectType(id);
  if (!type) throw notFound(id);
  if (kind !== 'directoryobjects' && kind !== `${type}s`) throw notFound(id);
  return id;
}

export function memberEntity(ctx: RouteContext, id: string): Record<string, unknown> {
  const u = ctx.state.users.get(id);
  if (u) return { '@odata.type': '#microsoft.graph.user', ...project(userEntity(u), undefined, ['id', 'displayName', 'userPrincipalName', 'mail'], []) };
  const d = ctx.state.devices.get(id);
  if (d) return { '@odata.type': '#microsoft.graph.device', ...project(deviceEntity(d, ctx.state), undefined, ['id', 'deviceId', 'displayName', 'operatingSystem', 'operatingSystemVersion', 'trustType'], []) };
  const g = ctx.state.groups.get(id);
  return { '@odata.type': '#microsoft.graph.group', id, displayName: g?.def.displayName ?? null };
}

export const groupRoutes: Route[] = [
  compile({
    method: 'GET',
    path: '/groups/:groupId',
    op: 'groups.get',
    permissions: P.groupRead,
    handle(ctx) {
      const g = requireGroup(ctx);
      const entity: Record<string, unknown> = { ...g.def, mail: null, proxyAddresses: [], visibility: null, createdDateTime: '2024-01-01T00:00:00Z' };
      const select = parseSelect(ctx.req.query, GROUP_PROPS, 'microsoft.graph.group');
      return ok({ '@odata.context': context(ctx, 'groups/$entity'), ...project(entity, select, GROUP_PROPS, GROUP_PROPS) });
    },
  }),
  compile({
    method: 'GET',
    path: '/groups/:groupId/members',
    op: 'groups.members.list',
    permissions: P.groupRead,
    cost: 2,
    handle(ctx) {
      const g = requireGroup(ctx);
      const top = parseTop(ctx.req.query) ?? 100;
      const value = ctx.state.directMembers(g.def.id).slice(0, top).map((id) => memberEntity(ctx, id));
      return ok({ '@odata.context': context(ctx, 'directoryObjects'), value });
    },
  }),
  compile({
    method: 'POST',
    path: '/groups/:groupId/members/$ref',
    op: 'groups.members.add',
    permissions: P.groupMemberWrite,
    handle(ctx) {
      const g = requireGroup(ctx);
      const id = parseRef(ctx);
      checkWritable(ctx, g);
      checkMemberWrite(ctx, id);
      if (ctx.state.isDirectMember(g.def.id, id)) throw badRequest(ALREADY_MEMBER_MESSAGE);
      ctx.state.addMember(g.def.id, id);
      return noContent();
    },
  }),
  compile({
    method: 'DELETE',
    path: '/groups/:groupId/members/:memberId/$ref',
    op: 'groups.members.remove',
    permissions: P.groupMemberWrite,
    handle(ctx) {
      const g = requireGroup(ctx);
      const id = ctx.params.memberId as string;
      checkWritable(ctx, g);
      checkMemberWrite(ctx, id);
      if (!ctx.state.isDirectMember(g.def.id, id)) throw notFound(id);
      ctx.state.removeMember(g.def.id, id);
      return noContent();
    },
  }),
  compile({
    // Without /$ref this deletes the object itself (graph.md): allowed only with delete rights.
    method: 'DELETE',
    path: '/groups/:groupId/members/:memberId',
    op: 'directoryObjects.delete',
    permissions: P.objectDelete,
    handle(ctx) {
      requireGroup(ctx);
      const id = ctx.params.memberId as string;
      const type = ctx.state.objectType(id);
      if (!type) throw notFound(id);
      // Deleting an object takes the write permission of its own kind: Device.ReadWrite.All
      // deletes devices, not users.
      if (!OBJECT_DELETE[type].some((p) => ctx.req.roles.includes(p))) throw denied();
      if (type === 'user') ctx.state.users.delete(id);
      else if (type === 'device') ctx.state.devices.delete(id);
      else ctx.state.groups.delete(id);
      for (const g of ctx.state.groups.values()) ctx.state.removeMember(g.def.id, id);
      return noContent();
    },
  }),
  ...(['directoryObjects', 'users', 'devices'] as const).map((kind) =>
    compile({
      method: 'POST',
      path: `/${kind}/:objectId/checkMemberGroups`,
      op: 'directoryObjects.checkMemberGroups',
      permissions: kind === 'devices' ? [...P.groupRead, ...P.deviceRead] : P.groupRead,
      handle(ctx) {
        const body = readObject(ctx.req.body ?? {}, {
          type: 'checkMemberGroupsRequest',
          props: { groupIds: { arrayOf: 'guid' } },
          required: ['groupIds'],
        }, 'Request_BadRequest');
        const groupIds = body.groupIds as string[];
        if (groupIds.length > 20) throw badRequest('The number of group ids must not exceed 20.');
        const raw = ctx.params.objectId as string;
        const id = kind === 'users' ? ctx.state.findUser(raw)?.id : ctx.state.objectType(raw) ? raw : undefined;
        if (!id || (kind === 'devices' && !ctx.state.devices.has(id))) throw notFound(raw);
        const value = groupIds.filter((g) => ctx.state.isMemberOf(g, id));
        return ok({ '@odata.context': context(ctx, 'Collection(Edm.String)'), value });
      },
    }),
  ),
];
