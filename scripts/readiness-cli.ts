import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, createMsGraphGateway, loadWorkerConfig, type ReadinessTarget, type TenantGateway, type WorkerConfig } from '@hirepass/core';

/** Shared by `npm run doctor` and `npm run bootstrap`: the worker's configuration and a Graph gateway. */

export function fail(tool: string, message: string, code = 2): never {
  process.stderr.write(`hirepass ${tool}: ${message}\n`);
  process.exit(code);
}

export function readWorkerConfig(tool: string): WorkerConfig {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  try {
    return loadWorkerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(tool, err.message);
    throw err;
  }
}

export function connect(config: WorkerConfig): { tenant: TenantGateway; target: ReadinessTarget } {
  return {
    tenant: createMsGraphGateway({ ...config.azure, graphBaseUrl: config.graphBaseUrl }),
    target: {
      tenantId: config.azure.tenantId,
      tapPilotGroupId: config.tapPilotGroupId,
      webSignInDeviceGroupId: config.webSignInDeviceGroupId,
      noticeSenderUpn: config.noticeSenderUpn,
    },
  };
}

/** Writes, then exits once stdout is flushed (the Graph client's keep-alive sockets would hold the process open). */
export function finish(text: string, code: number): void {
  process.stdout.write(`${text}\n`, () => process.exit(code));
}
