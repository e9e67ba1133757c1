import { readObject } from '../graph/body';
import { GraphError, badRequest } from '../graph/errors';
import { compile, context, noContent, ok, type Route, type RouteContext } from '../graph/route';
import { createTap, currentTap, tapEntity } from '../tenant/tap';
import type { TapPolicyDefinition } from '../tenant/types';
import { P } from './permissions';
import { requireUser } from './users';

const BASE = '/users/:userId/authentication/temporaryAccessPassMethods';
const TAP_TYPE = 'microsoft.graph.temporaryAccessPassAuthenticationMethod';

function requireTap(ctx: RouteContext) {
  const user = requireUser(ctx, ctx.params.userId as string);
  const tap = currentTap(ctx.state, user.id);
  const id = ctx.params.tapId as string;
  if (!tap || tap.id.toLowerCase() !== id.toLowerCase()) {
    throw new GraphError(404, 'itemNotFound', `Temporary Access Pass method '${id}' was not found for the user.`);
  }
  return tap;
}

const target = { object: { type: 'microsoft.graph.authenticationMethodTarget', props: { targetType: { enum: ['group'], type: 'microsoft.graph.authenticationMethodTargetType' }, id: 'string', isRegistrationRequired: 'bool' } as const, required: ['id'] } } as const;
const exclude = { object: { type: 'microsoft.graph.excludeTarget', props: { targetType: { enum: ['group'], type: 'microsoft.graph.authenticationMethodTargetType' }, id: 'string' } as const, required: ['id'] } } as const;

const POLICY_SPEC = {
  type: 'microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
  props: {
    id: 'string',
    state: { enum: ['enabled', 'disabled'], type: 'microsoft.graph.authenticationMethodState' },
    defaultLifetimeInMinutes: 'int',
    defaultLength: 'int',
    minimumLifetimeInMinutes: 'int',
    maximumLifetimeInMinutes: 'int',
    isUsableOnce: 'bool',
    includeTargets: { arrayOf: target },
    excludeTargets: { arrayOf: exclude },
  },
} as const;

/** Bounds from Microsoft's documentation: lifetimes 10–43,200 minutes, length 8–48, min ≤ default ≤ max. */
function validatePolicy(p: TapPolicyDefinition): void {
  const inRange = (v: number, lo: number, hi: number) => v >= lo && v <= hi;
  for (const k of ['defaultLifetimeInMinutes', 'minimumLifetimeInMinutes', 'maximumLifetimeInMinutes'] as const) {
    if (!inRange(p[k], 10, 43200)) throw badRequest(`Invalid ${k} specified. The valid range between 10 and 43200.`, 'badRequest');
  }
  if (!inRange(p.defaultLength, 8, 48)) throw badRequest('Invalid DefaultLength specified. The valid range between 8 and 48.', 'badRequest');
  if (p.minimumLifetimeInMinutes > p.maximumLifetimeInMinutes || !inRange(p.defaultLifetimeInMinutes, p.minimumLifetimeInMinutes, p.maximumLifetimeInMinutes)) {
    throw badRequest('Invalid lifetime configuration: the default lifetime must lie between the minimum and the maximum.', 'badRequest');
  }
}

function policyEntity(ctx: RouteContext): Record<string, unknown> {
  return {
    '@odata.context': context(ctx, 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity'),
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
    id: 'TemporaryAccessPass',
    ...ctx.state.tapPolicy,
  };
}

function requireTapConfig(ctx: RouteContext): void {
  const id = ctx.params.configId as string;
  if (id.toLowerCase() !== 'temporaryaccesspass') {
    throw new GraphError(404, 'itemNotFound', `Authentication method configuration '${id}' is not simulated.`);
  }
}

export const tapRoutes: Route[] = [
  compile({
    method: 'POST',
    path: BASE,
    op: 'tap.create',
    permissions: P.tapWrite,
    handle(ctx) {
      const user = requireUser(ctx, ctx.params.userId as string);
      const body = readObject(ctx.req.body ?? {}, {
        type: TAP_TYPE,
        props: { startDateTime: 'datetime', lifetimeInMinutes: 'int', isUsableOnce: 'bool' },
      }, 'badRequest');
      const tap = createTap(ctx.state, user, body);
      return ok({ '@odata.context': context(ctx, `users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`), ...tapEntity(ctx.state, tap, true) }, 201);
    },
  }),
  compile({
    method: 'GET',
    path: BASE,
    op: 'tap.list',
    permissions: P.tapRead,
    handle(ctx) {
      const user = requireUser(ctx, ctx.params.userId as string);
      const tap = currentTap(ctx.state, user.id);
      const value = tap ? [tapEntity(ctx.state, tap, false)] : [];
      return ok({ '@odata.context': context(ctx, `users('${user.id}')/authentication/temporaryAccessPassMethods`), value });
    },
  }),
  compile({
    method: 'GET',
    path: `${BASE}/:tapId`,
    op: 'tap.get',
    permissions: P.tapRead,
    handle(ctx) {
      const tap = requireTap(ctx);
      return ok({ '@odata.context': context(ctx, `users('${tap.userId}')/authentication/temporaryAccessPassMethods/$entity`), ...tapEntity(ctx.state, tap, false) });
    },
  }),
  compile({
    method: 'DELETE',
    path: `${BASE}/:tapId`,
    op: 'tap.delete',
    permissions: P.tapWrite,
    handle(ctx) {
      const tap = requireTap(ctx);
      tap.current = false;
      tap.deletedAt = ctx.state.clock.iso();
      ctx.state.currentTaps.delete(tap.userId);
      return noContent();
    },
  }),
  compile({
    method: 'GET',
    path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId',
    op: 'tapPolicy.get',
    permissions: P.authPolicyRead,
    handle(ctx) {
      requireTapConfig(ctx);
      return ok(policyEntity(ctx));
    },
  }),
  compile({
    method: 'PATCH',
    path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId',
    op: 'tapPolicy.update',
    permissions: P.authPolicyWrite,
    handle(ctx) {
      requireTapConfig(ctx);
      const patch = readObject(ctx.req.body ?? {}, POLICY_SPEC, 'badRequest');
      delete patch.id;
      delete patch['@odata.type'];
      const next = { ...ctx.state.tapPolicy, ...patch } as TapPolicyDefinition;
      validatePolicy(next);
      ctx.state.tapPolicy = next;
      return noContent();
    },
  }),
];

