import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TenantDefinition } from './types';

const tenantsDir = path.resolve(import.meta.dirname, '../../tenants');

/** Reads a tenant file; a fresh object on every call, so callers may mutate it. */
export function loadTenantFile(file: string): TenantDefinition {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as TenantDefinition;
  if (!parsed.tenantId || !Array.isArray(parsed.users) || !parsed.tapPolicy || !parsed.hirepass) {
    throw new Error(`${file} is not a graph-sim tenant file (tenantId, hirepass, users, tapPolicy are required)`);
  }
  return parsed;
}

/** The sample tenant (tenants/sample.json), as a fresh deep copy. */
export function loadSampleTenant(): TenantDefinition {
  return loadTenantFile(path.join(tenantsDir, 'sample.json'));
}
