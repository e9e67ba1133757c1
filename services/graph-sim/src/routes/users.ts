import { GraphError, denied, notFound } from '../graph/errors';
import { matchesFilter, parseFilter, parseSelect, parseTop, project } from '../graph/query';
import { compile, context, ok, type Route, type RouteContext } from '../graph/route';
import type { UserDefinition } from '../tenant/types';
import { P } from './permissions';

/** Graph's default property set for a user (v1.0) when no $select is given. */
export const USER_DEFAULTS = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
  'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id',
] as const;

/** Properties returned only when named in $select (those hirepass uses), and others Graph knows (null here). */
const USER_SELECTABLE = [
  ...USER_DEFAULTS, 'accountEnabled', 'assignedPlans', 'department', 'employeeId', 'employeeHireDate',
  'usageLocation', 'userType', 'mailNickname', 'createdDateTime', 'companyName', 'city', 'country',
  'employeeType', 'otherMails', 'proxyAddresses', 'onPremisesSyncEnabled', 'onPremisesImmutableId',
  'onPremisesSamAccountName', 'creationType', 'externalUserState', 'assignedLicenses', 'identities',
  'state', 'streetAddress', 'postalCode', 'ageGroup', 'showInAddressList', 'employeeLeaveDateTime',
  'passwordPolicies', 'securityIdentifier', 'preferredDataLocation', 'imAddresses',
] as const;

export function userEntity(u: UserDefinition): Record<string, unknown> {
  return {
    businessPhones: u.businessPhones ?? [],
    mobilePhone: u.mobilePhone ?? null,
    officeLocation: u.officeLocation ?? null,
    preferredLanguage: u.preferredLanguage ?? null,
    ...u,
    managerId: undefined,
    teamsAppInstalled: undefined,
    mailNickname: u.userPrincipalName.split('@')[0],
    otherMails: [],
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
    assignedLicenses: [],
    imAddresses: [],
    identities: [],
    creationType: u.userType === 'Guest' ? 'Invitation' : null,
    externalUserState: u.userType === 'Guest' ? 'Accepted' : null,
    onPremisesSyncEnabled: null,
    showInAddressList: null,
  };
}

export function projectUser(u: UserDefinition, ctx: RouteContext): Record<string, unknown> {
  const select = parseSelect(ctx.req.query, USER_SELECTABLE, 'microsoft.graph.user');
  return project(userEntity(u), select, USER_DEFAULTS, USER_SELECTABLE);
}

/**
 * `$expand` on a single user: only `manager` (the navigation property hirepass reads), with an
 * optional nested `$select` (`manager($select=id,mail)`), as Graph allows. The expanded manager
 * carries `@odata.type`; a user without one has no `manager` property at all. Anything else
 * (another navigation property, `$levels`, which needs ConsistencyLevel) is refused with 400.
 * Reading the manager needs what `GET /users/{id}/manager` needs (User.Read.All or more).
 */
function expandManager(u: UserDefinition, ctx: RouteContext): Record<string, unknown> {
  const raw = ctx.req.query.get('$expand') ?? ctx.req.query.get('expand');
  if (raw === null || raw.trim() === '') return {};
  const m = /^\s*manager\s*(?:\((.*)\))?\s*$/i.exec(raw);
  if (!m) {
    const name = raw.split(/[(,]/)[0]?.trim() ?? raw;
    throw new GraphError(400, 'Request_BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
  }
  if (!P.userReadFull.some((p) => ctx.req.roles.includes(p))) throw denied();
  const nested = new URLSearchParams();
  for (const option of (m[1] ?? '').split(';').filter((o) => o.trim() !== '')) {
    const eq = option.indexOf('=');
    const key = option.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || (key !== '$select' && key !== 'select')) {
      throw new GraphError(400, 'Request_BadRequest', `Parsing OData Select and Expand failed: the query option '${option.trim()}' is not supported inside $expand=manager.`);
    }
    nested.set('$select', option.slice(eq + 1));
  }
  const manager = u.managerId ? ctx.state.users.get(u.managerId) : undefined;
  if (!manager) return {};
  const select = parseSelect(nested, USER_SELECTABLE, 'microsoft.graph.user');
  return { manager: { '@odata.type': '#microsoft.graph.user', ...project(userEntity(manager), select, USER_DEFAULTS, USER_SELECTABLE) } };
}

export function requireUser(ctx: RouteContext, idOrUpn: string): UserDefinition {
  const u = ctx.state.findUser(idOrUpn);
  if (!u) throw notFound(idOrUpn);
  return u;
}

export const userRoutes: Route[] = [
  compile({
    method: 'GET',
    path: '/users',
    op: 'users.list',
    permissions: P.userRead,
    cost: 2,
    handle(ctx) {
      const filter = parseFilter(ctx.req.query, ['userPrincipalName', 'mail', 'employeeId', 'displayName', 'userType', 'accountEnabled', 'id'], 'User');
      const top = parseTop(ctx.req.query) ?? 100;
      const value = [...ctx.state.users.values()]
        .map(userEntity)
        .filter((u) => matchesFilter(u, filter))
        .slice(0, top)
        .map((u) => project(u, parseSelect(ctx.req.query, USER_SELECTABLE, 'microsoft.graph.user'), USER_DEFAULTS, USER_SELECTABLE));
      return ok({ '@odata.context': context(ctx, 'users'), value });
    },
  }),
  compile({
    method: 'GET',
    path: '/users/:userId',
    op: 'users.get',
    permissions: P.userRead,
    handle(ctx) {
      const u = requireUser(ctx, ctx.params.userId as string);
      return ok({ '@odata.context': context(ctx, 'users/$entity'), ...projectUser(u, ctx), ...expandManager(u, ctx) });
    },
  }),
  compile({
    method: 'GET',
    path: '/users/:userId/manager',
    op: 'users.manager',
    permissions: P.userReadFull,
    handle(ctx) {
      const u = requireUser(ctx, ctx.params.userId as string);
      const manager = u.managerId ? ctx.state.users.get(u.managerId) : undefined;
      if (!manager) throw notFound('manager');
      return ok({
        '@odata.context': context(ctx, 'directoryObjects/$entity'),
        '@odata.type': '#microsoft.graph.user',
        ...projectUser(manager, ctx),
      });
    },
  }),
  compile({
    method: 'GET',
    path: '/me',
    op: 'me',
    permissions: [],
    handle() {
      throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    },
  }),
];
