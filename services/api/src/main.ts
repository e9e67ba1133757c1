import { ensureRedisOrExit, exitWith, loadApiConfig, readConfigOrExit } from '@hirepass/core';
import { startApi } from './server';

/**
 * `npm run start:api`: configuration once from the environment (a .env file is a
 * convenience), a clear one-line refusal when something is missing, then the server.
 */

async function main(): Promise<void> {
  const config = readConfigOrExit('api', loadApiConfig);
  await ensureRedisOrExit('api', config.redisUrl);
  const api = await startApi({ config });
  api.app.log.info({ url: api.url }, `hirepass api listening on ${api.url}`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    api.app.log.info({ signal }, 'shutting down');
    api.close().then(
      () => process.exit(0),
      (err) => {
        api.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  exitWith('api', err instanceof Error ? err.message : String(err));
});
