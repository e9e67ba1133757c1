import type { FastifyInstance } from 'fastify';
import { buildApp, type ApiDeps } from './app';

/** Builds the app and listens on config.host:config.port (0 = an ephemeral port). */
export async function startApi(deps: ApiDeps): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = await buildApp(deps);
  try {
    await app.listen({ host: deps.config.host, port: deps.config.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : deps.config.port;
  const host = deps.config.host.includes(':') ? `[${deps.config.host}]` : deps.config.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
