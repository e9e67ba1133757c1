import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../src/node-flags';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('worker node flags', () => {
  it('npm run start:worker (and so the compose file and image) starts node with WORKER_NODE_FLAGS', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:worker']).toBe(`node ${WORKER_NODE_FLAGS.join(' ')} --import tsx services/worker/src/main.ts`);
  });

  it('the cap is one V8 accepts and applies', () => {
    const out = spawnSync(process.execPath, [...WORKER_NODE_FLAGS, '-e', "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))"], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const limitMb = Number(out.stdout) / 2 ** 20;
    // heap_size_limit is the old generation plus the young one's semi-spaces.
    expect(limitMb).toBeGreaterThanOrEqual(192);
    expect(limitMb).toBeLessThan(260);
  });
});
