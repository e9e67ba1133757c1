import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Secrets for the local demo only, made once and kept under the git-ignored .data/demo/. */
export interface DemoSecrets {
  webhookSecret: string;
  opsToken: string;
  passcodeKey: string;
}

export const repoRoot = path.resolve(import.meta.dirname, '..');
const file = path.join(repoRoot, '.data', 'demo', 'secrets.json');

export async function demoSecrets(): Promise<DemoSecrets> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoSecrets;
  } catch {
    const secrets: DemoSecrets = {
      webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
      opsToken: randomBytes(24).toString('base64url'),
      passcodeKey: randomBytes(32).toString('base64'),
    };
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}
