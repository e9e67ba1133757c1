import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { demoSecrets } from './demo-secrets';

/**
 * Posts a signed sample hire to the demo API, activating about a minute from now, the way
 * an HR system would (Standard Webhooks signature over the exact bytes sent).
 * Usage: npm run demo:hire [-- <userPrincipalName>]   (default: one of hire01…hire30@contoso.com)
 */
const apiUrl = process.env.HIREPASS_API_URL ?? 'http://127.0.0.1:3000';
// One TAP per user: a different sample hire each time, so earlier passes stay valid.
const upn = process.argv[2] ?? `hire${String(1 + Math.floor(Math.random() * 30)).padStart(2, '0')}@contoso.com`;

const { webhookSecret } = await demoSecrets();
const now = new Date();
const activation = new Date(Math.ceil((now.getTime() + 60_000) / 60_000) * 60_000);
const body = JSON.stringify({
  type: 'hire.created',
  timestamp: now.toISOString(),
  data: {
    employeeId: `E-DEMO-${now.getTime().toString(36).toUpperCase()}`,
    userPrincipalName: upn,
    startDate: activation.toISOString().slice(0, 10),
    timeZone: 'UTC',
    activationTime: activation.toISOString().slice(11, 16),
    ...(upn === 'jane.doe@contoso.com' ? { deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44' } : {}),
    tap: { lifetimeMinutes: 60, isUsableOnce: false },
  },
});
const id = `msg_${randomUUID()}`;
const signature = new Webhook(webhookSecret).sign(id, now, body);
const res = await fetch(`${apiUrl}/webhooks/hr`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  },
  body,
});
console.log(`${res.status} ${await res.text()}`);
console.log(`activation at ${activation.toISOString()} (UTC); the manager's notice follows right after.`);
process.exitCode = res.ok ? 0 : 1;
