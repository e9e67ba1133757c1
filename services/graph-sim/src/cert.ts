import { X509Certificate, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile, rename, link, unlink } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface SimCertificate {
  caCertPath: string;
  certPem: string;
  keyPem: string;
  caPem: string;
}

interface Bundle {
  caPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

const BUNDLE = 'certificate.json';
const CA_FILE = 'ca.pem';
const MIN_REMAINING_MS = 7 * 24 * 3600_000;

async function createBundle(): Promise<Bundle> {
  const now = new Date(Date.now() - 60_000);
  const tenYears = new Date(now.getTime() + 3650 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'hirepass graph-sim local CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: tenYears,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 825 * 24 * 3600_000),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          // The service name in docker-compose.yml, so containers can reach it over TLS too.
          { type: 2, value: 'graph-sim' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, caKeyPem: ca.private, certPem: server.cert, keyPem: server.private };
}

function usable(b: Partial<Bundle> | undefined): b is Bundle {
  if (!b?.caPem || !b.certPem || !b.keyPem || !b.caKeyPem) return false;
  try {
    const cert = new X509Certificate(b.certPem);
    const ca = new X509Certificate(b.caPem);
    return (
      cert.checkIssued(ca) &&
      (cert.subjectAltName ?? '').includes('DNS:graph-sim') &&
      new Date(cert.validTo).getTime() - Date.now() > MIN_REMAINING_MS
    );
  } catch {
    return false;
  }
}

async function readBundle(file: string): Promise<Bundle | undefined> {
  try {
    const b = JSON.parse(await readFile(file, 'utf8')) as Partial<Bundle>;
    return usable(b) ? b : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates (once) a CA and a server certificate for 127.0.0.1, localhost and ::1 under dir, and
 * reuses them afterwards. Concurrent callers (two processes) agree on one bundle: each writes a
 * temporary file and links it into place, and the first link wins; the CA file that
 * NODE_EXTRA_CA_CERTS points at is then derived from the winning bundle (temp + rename).
 */
export async function ensureCertificate(dir: string): Promise<SimCertificate> {
  await mkdir(dir, { recursive: true });
  const bundleFile = path.join(dir, BUNDLE);
  let bundle = await readBundle(bundleFile);
  if (!bundle) {
    const fresh = await createBundle();
    const tmp = path.join(dir, `.${BUNDLE}.${process.pid}.${randomUUID()}.tmp`);
    await writeFile(tmp, JSON.stringify(fresh), { mode: 0o600 });
    try {
      await link(tmp, bundleFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another process won the race, or the existing bundle is stale: keep a usable one.
      const existing = await readBundle(bundleFile);
      if (!existing) await rename(tmp, bundleFile);
    }
    await unlink(tmp).catch(() => {});
    bundle = (await readBundle(bundleFile)) ?? fresh;
  }
  const caCertPath = path.join(dir, CA_FILE);
  const currentCa = await readFile(caCertPath, 'utf8').catch(() => '');
  if (currentCa !== bundle.caPem) {
    const tmp = path.join(dir, `.${CA_FILE}.${process.pid}.${randomUUID()}.tmp`);
    await writeFile(tmp, bundle.caPem);
    await rename(tmp, caCertPath);
  }
  return { caCertPath, certPem: bundle.certPem, keyPem: bundle.keyPem, caPem: bundle.caPem };
}
