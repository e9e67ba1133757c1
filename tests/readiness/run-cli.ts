import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs `scripts/<name>.ts` as `npm run <name>` would (tsx), with the worker environment given
 * and nothing inherited but PATH and the simulator's CA (NODE_EXTRA_CA_CERTS, set by globalSetup).
 */
export function runCli(name: 'doctor' | 'bootstrap', args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', `${name}.ts`), ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
          PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
          ...env,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
