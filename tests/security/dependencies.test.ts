import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 6, "Dependencies": every direct dependency is pinned to one exact version, and the
 * lockfile pins the whole tree (with integrity hashes) to what package.json asks for.
 * `npm audit --omit=dev` itself needs the registry's advisory service: see SECURITY.md.
 */
const root = path.resolve(import.meta.dirname, '../..');
const read = (p: string) => JSON.parse(readFileSync(path.join(root, p), 'utf8'));
const pkg = read('package.json') as { dependencies: Record<string, string>; devDependencies: Record<string, string>; workspaces: string[] };
const lock = read('package-lock.json') as { lockfileVersion: number; packages: Record<string, { version?: string; integrity?: string; link?: boolean }> };

describe('dependencies', () => {
  const direct = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies });

  it.each(direct)('%s is pinned to an exact version (%s)', (name, range) => {
    expect(range).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    const locked = lock.packages[`node_modules/${name}`];
    expect(locked?.version).toBe(range);
  });

  it('workspaces declare no dependencies of their own: one pinned tree at the root', () => {
    for (const ws of pkg.workspaces) {
      const w = read(path.join(ws, 'package.json')) as Record<string, unknown>;
      expect(w.dependencies ?? {}, ws).toEqual({});
      expect(w.devDependencies ?? {}, ws).toEqual({});
    }
  });

  it('the lockfile pins every installed package with an integrity hash', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    const installed = Object.entries(lock.packages).filter(([p, v]) => p.startsWith('node_modules/') && !v.link);
    expect(installed.length).toBeGreaterThan(100);
    for (const [p, v] of installed) {
      expect(v.version, p).toMatch(/^\d+\.\d+\.\d+/);
      expect(v.integrity, p).toMatch(/^sha(512|384|256|1)-/);
    }
  });
});
