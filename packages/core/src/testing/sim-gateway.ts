import { createMsGraphGateway, type MsGraphGatewayOptions } from '../graph/msgraph.adapter';

/** What a test needs of a running simulator to sign in to it. */
export interface SimCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  url: string;
}

/** The real msgraph adapter signed in to the simulator (its token authority and its Graph). */
export function simGateway(sim: SimCredentials, extra: Partial<MsGraphGatewayOptions> = {}) {
  return createMsGraphGateway({
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    authorityHost: sim.url,
    graphBaseUrl: sim.url,
    ...extra,
  });
}
