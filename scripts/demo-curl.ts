/**
 * The ready-to-paste command `npm start` prints (spec/config.md). It signs at paste time, not
 * at start-up: a signature made once goes stale after the timestamp tolerance (401), and a
 * fixed webhook-id makes every later paste a duplicate (200). So the shell computes a fresh
 * webhook-id, webhook-timestamp and activation about a minute away, and signs with the
 * Standard Webhooks scheme (spec/hr-webhook.md): HMAC-SHA256 over "{id}.{timestamp}.{body}",
 * keyed with the bytes the secret's base64 encodes, sent as "v1,<base64>".
 *
 * POSIX sh, bash and zsh, with openssl and curl: no comments (zsh does not take them
 * interactively), no globs. `date -d @…` is GNU, `date -r …` the BSD form on macOS.
 */
export function sampleCurl(apiUrl: string, webhookSecret: string): string {
  if (!webhookSecret.startsWith('whsec_')) throw new Error('the demo webhook secret must start with whsec_');
  // Hex, so the shell needs no base64 decoder that differs between GNU and BSD.
  const hexKey = Buffer.from(webhookSecret.slice('whsec_'.length), 'base64').toString('hex');
  const body =
    `'{"type":"hire.created","timestamp":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'","data":{` +
    `"employeeId":"E-DEMO-'"$n"'","userPrincipalName":"jane.doe@contoso.com",` +
    `"startDate":"'"$day"'","timeZone":"UTC","activationTime":"'"$hhmm"'",` +
    `"deviceId":"6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44","tap":{"lifetimeMinutes":60,"isUsableOnce":false}}}'`;
  return [
    `key=${hexKey}`,
    `n=$(openssl rand -hex 6); ts=$(date +%s); at=$(( (ts / 60 + 2) * 60 ))`,
    `day=$(date -u -d "@$at" +%F 2>/dev/null || date -u -r "$at" +%F); hhmm=$(printf '%02d:%02d' $(( at / 3600 % 24 )) $(( at / 60 % 60 )))`,
    `body=${body}`,
    `sig=$(printf '%s' "msg_$n.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | openssl base64 -A)`,
    `curl -sS -X POST ${apiUrl}/webhooks/hr -H 'content-type: application/json' \\`,
    `  -H "webhook-id: msg_$n" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" \\`,
    `  --data-binary "$body" -w ' (HTTP %{http_code})\\n'`,
  ].join('\n');
}
