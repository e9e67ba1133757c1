import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ensureCertificate } from '@hirepass/graph-sim';

const run = promisify(execFile);
const certModule = path.resolve(import.meta.dirname, '../src/cert.ts');

describe('ensureCertificate', () => {
  it('creates one CA and server certificate for loopback, shared by two processes racing, and reuses it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'graph-sim-cert-'));
    try {
      const script = `import(${JSON.stringify(certModule)}).then((m) => m.ensureCertificate(${JSON.stringify(dir)})).then((c) => process.stdout.write(c.caPem + c.certPem));`;
      const tsx = path.resolve(import.meta.dirname, '../../../node_modules/.bin/tsx');
      const [a, b] = await Promise.all([run(tsx, ['-e', script]), run(tsx, ['-e', script])]);
      expect(a.stdout).toBe(b.stdout);
      const cert = await ensureCertificate(dir);
      expect(a.stdout).toBe(cert.caPem + cert.certPem);
      expect(await readFile(cert.caCertPath, 'utf8')).toBe(cert.caPem);
      const x = new X509Certificate(cert.certPem);
      expect(x.checkIssued(new X509Certificate(cert.caPem))).toBe(true);
      expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(x.subjectAltName).toContain('DNS:localhost');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
