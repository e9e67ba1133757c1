/**
 * pino `redact` paths for every place a secret could ride in a log line. Both services use
 * this list; the secret-hygiene test checks the result, not the list.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'passcode',
  '*.passcode',
  'temporaryAccessPass',
  '*.temporaryAccessPass',
  '*.*.temporaryAccessPass',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  'secret',
  '*.secret',
  'sealed',
  '*.sealed',
  'opsToken',
  '*.opsToken',
  'webhookSecrets',
  '*.webhookSecrets',
  'passcodeKeys',
  '*.passcodeKeys',
];

/** Replaces the token in a /reveal/{token} URL, for request logs. */
export function redactRevealUrl(url: string): string {
  return url.replace(/\/reveal\/[^/?#]+/g, '/reveal/[redacted]');
}
