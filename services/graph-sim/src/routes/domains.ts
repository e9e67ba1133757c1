import { notFound } from '../graph/errors';
import { compile, context, ok, type Route, type RouteContext } from '../graph/route';
import type { DomainDefinition } from '../tenant/types';
import { P } from './permissions';

function domainEntity(d: DomainDefinition): Record<string, unknown> {
  const { federationConfiguration: _federation, ...rest } = d;
  return { ...rest, isAdminManaged: true, isRoot: true, passwordNotificationWindowInDays: null, passwordValidityPeriodInDays: null, availabilityStatus: null, state: null };
}

function requireDomain(ctx: RouteContext): DomainDefinition {
  const id = ctx.params.domain as string;
  const d = ctx.state.domains.get(id.toLowerCase());
  if (!d) throw notFound(id);
  return d;
}

export const domainRoutes: Route[] = [
  compile({
    method: 'GET', path: '/domains', op: 'domains.list', permissions: P.domainRead,
    handle(ctx) {
      return ok({ '@odata.context': context(ctx, 'domains'), value: [...ctx.state.domains.values()].map(domainEntity) });
    },
  }),
  compile({
    method: 'GET', path: '/domains/:domain', op: 'domains.get', permissions: P.domainRead,
    handle(ctx) {
      return ok({ '@odata.context': context(ctx, 'domains/$entity'), ...domainEntity(requireDomain(ctx)) });
    },
  }),
  compile({
    // graph.md: {"value":[…]} for a federated domain, 404 when it is not federated.
    method: 'GET', path: '/domains/:domain/federationConfiguration', op: 'domains.federationConfiguration', permissions: P.federationRead,
    handle(ctx) {
      const d = requireDomain(ctx);
      if (d.authenticationType !== 'Federated' || d.federationConfiguration.length === 0) throw notFound(`${d.id}/federationConfiguration`);
      return ok({
        '@odata.context': context(ctx, `domains('${d.id}')/federationConfiguration`),
        value: d.federationConfiguration.map((f) => ({ '@odata.type': '#microsoft.graph.internalDomainFederation', ...f })),
      });
    },
  }),
];
